/** The Redis key prefixes of the distributed bench's two BullMQ engines (and their workers). */
export const PREFIXES = ['bench-limited', 'bench-open'] as const;
