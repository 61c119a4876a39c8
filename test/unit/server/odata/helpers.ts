import type { BinaryOperator, FilterExpr, FunctionName, LiteralExpr } from '../../../../src/server/odata/filter.js';

/** Drops `pos` from every node, so parsed trees compare with hand-built ones. */
export function strip(e: FilterExpr): FilterExpr {
  switch (e.kind) {
    case 'literal': {
      const { pos: _pos, ...rest } = e;
      return rest as LiteralExpr;
    }
    case 'property':
      return { kind: 'property', path: e.path };
    case 'unary':
      return { kind: 'unary', op: e.op, operand: strip(e.operand) };
    case 'binary':
      return { kind: 'binary', op: e.op, left: strip(e.left), right: strip(e.right) };
    case 'call':
      return { kind: 'call', name: e.name, args: e.args.map(strip) };
  }
}

export const P = (path: string): FilterExpr => ({ kind: 'property', path });
export const S = (value: string): FilterExpr => ({ kind: 'literal', type: 'string', value });
export const I = (value: number): FilterExpr => ({ kind: 'literal', type: 'int32', value });
export const L = (type: LiteralExpr['type'], value: unknown): FilterExpr => ({ kind: 'literal', type, value }) as LiteralExpr;
export const B = (op: BinaryOperator, left: FilterExpr, right: FilterExpr): FilterExpr => ({ kind: 'binary', op, left, right });
export const NOT = (operand: FilterExpr): FilterExpr => ({ kind: 'unary', op: 'not', operand });
export const NEG = (operand: FilterExpr): FilterExpr => ({ kind: 'unary', op: 'negate', operand });
export const C = (name: FunctionName, ...args: FilterExpr[]): FilterExpr => ({ kind: 'call', name, args });
