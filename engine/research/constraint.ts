import { UserError } from '../domain/index.js';
import type { ParamValue } from '../api/params.js';

/**
 * Constraints on parameter combinations, e.g. `fast<slow`, `slow >= 2*fast`, `fast<slow && slow-fast>5`.
 * A tiny expression language (no eval): numbers, parameter names, + - * / ( ), comparisons
 * < <= > >= == !=, and && / ||. Names must be declared params; a typo gets a suggestion.
 */
export type Constraint = { readonly text: string; test(p: Readonly<Record<string, ParamValue>>): boolean };

type Tok = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };
type Node =
  | { k: 'num'; v: number }
  | { k: 'id'; v: string }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'neg'; a: Node };

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[<>+\-*/()]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new UserError(`constraint "${text}": unexpected "${text.slice(i).trim()[0]}" at position ${i + 1}`);
    if (m[1] !== undefined) out.push({ t: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ t: 'id', v: m[2] });
    else out.push({ t: 'op', v: m[3]! });
    i = re.lastIndex;
  }
  return out;
}

export function parseConstraint(text: string, known: readonly string[]): Constraint {
  const toks = lex(text);
  let pos = 0;
  const peek = () => toks[pos];
  const eat = (v?: string): Tok => {
    const t = toks[pos];
    if (!t || (v !== undefined && !(t.t === 'op' && t.v === v))) {
      throw new UserError(`constraint "${text}": expected ${v ? `"${v}"` : 'more'} ${t ? `but found "${t.v}"` : 'at the end'}`);
    }
    pos++;
    return t;
  };
  const isOp = (...ops: string[]) => { const t = peek(); return t?.t === 'op' && ops.includes(t.v); };
  const primary = (): Node => {
    const t = eat();
    if (t.t === 'num') return { k: 'num', v: t.v };
    if (t.t === 'id') {
      if (!known.includes(t.v)) {
        const e = new UserError(`constraint "${text}": unknown param "${t.v}" (params: ${known.join(', ')})`);
        throw e;
      }
      return { k: 'id', v: t.v };
    }
    if (t.v === '(') { const n = or(); eat(')'); return n; }
    if (t.v === '-') return { k: 'neg', a: primary() };
    throw new UserError(`constraint "${text}": unexpected "${t.v}"`);
  };
  const binary = (next: () => Node, ops: string[]) => (): Node => {
    let a = next();
    while (isOp(...ops)) { const op = (eat() as { v: string }).v; a = { k: 'bin', op, a, b: next() }; }
    return a;
  };
  const mul = binary(primary, ['*', '/']);
  const add = binary(mul, ['+', '-']);
  const cmp = binary(add, ['<', '<=', '>', '>=', '==', '!=']);
  const and = binary(cmp, ['&&']);
  const or = binary(and, ['||']);
  const root = or();
  if (pos !== toks.length) throw new UserError(`constraint "${text}": unexpected "${toks[pos]!.v}"`);
  if (!(root.k === 'bin' && ['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(root.op))) {
    throw new UserError(`constraint "${text}": must be a comparison such as fast<slow`);
  }
  const ev = (n: Node, p: Readonly<Record<string, ParamValue>>): number => {
    switch (n.k) {
      case 'num': return n.v;
      case 'id': { const v = p[n.v]; return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN; }
      case 'neg': return -ev(n.a, p);
      case 'bin': {
        const a = ev(n.a, p), b = ev(n.b, p);
        switch (n.op) {
          case '+': return a + b; case '-': return a - b; case '*': return a * b; case '/': return a / b;
          case '<': return +(a < b); case '<=': return +(a <= b); case '>': return +(a > b); case '>=': return +(a >= b);
          case '==': return +(a === b); case '!=': return +(a !== b);
          case '&&': return +(a !== 0 && b !== 0); case '||': return +(a !== 0 || b !== 0);
          default: return NaN;
        }
      }
    }
  };
  return { text, test: (p) => ev(root, p) === 1 };
}
