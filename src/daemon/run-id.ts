/**
 * Run ids for the daemon: random UUIDs (SPEC §5) stored as flat strings. Node's `randomUUID`
 * returns the id as a rope of about 14 concatenated pieces, ~490 bytes of heap; the daemon keeps
 * the id of every pending run (one per scheduled job), so 10,000 idle jobs held ~4.9 MB of rope
 * instead of ~0.6 MB (docs/BENCHMARKS.md, daemon memory).
 */
import { randomUUID } from 'node:crypto';

/** A new random run id (UUID version 4), flat in memory. */
export function newRunId(): string {
  const id = randomUUID();
  // Reading a character makes V8 flatten the rope in place; the pieces become garbage.
  id.charCodeAt(0);
  return id;
}
