import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JuheError } from '../../domain/errors.js';

/** A statement's bytes on local disk, with the SHA1 and SHA256 of what was written. */
export interface Spooled {
  path: string;
  sha1: string;
  sha256: string;
  bytes: number;
  dispose(): Promise<void>;
}

/**
 * Copies a download to a temporary file through `stages` (gunzip, a decoder...), hashing
 * the bytes that reach the file: a day's statement is never held in memory, and nothing
 * is read from it before the whole file arrived and could be checked. A broken stream
 * (a truncated gzip) is `statement_invalid`.
 */
export async function spool(source: Readable, ...stages: NodeJS.ReadWriteStream[]): Promise<Spooled> {
  const path = join(tmpdir(), `juhe-statement-${randomBytes(8).toString('hex')}`);
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha1.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const dispose = () => rm(path, { force: true });
  try {
    await pipeline([source, ...stages, tap, createWriteStream(path)] as unknown as [
      Readable,
      NodeJS.WritableStream,
    ]);
  } catch (error) {
    await dispose();
    throw new JuheError('statement_invalid', `The statement could not be read: ${(error as Error).message}`);
  }
  return { path, sha1: sha1.digest('hex'), sha256: sha256.digest('hex'), bytes, dispose };
}

/** The lines of a spooled file (UTF-8 unless a decoder stage already converted it), one at a time. */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) yield line;
}

/**
 * The lines of a spooled file, and how far through its bytes the reading is (0 to 1): a
 * progress bar for a statement of a million lines.
 */
export function trackedLines(file: Pick<Spooled, 'path' | 'bytes'>): {
  lines: AsyncGenerator<string>;
  fraction: () => number;
} {
  const input = createReadStream(file.path);
  async function* lines() {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  }
  return { lines: lines(), fraction: () => (file.bytes > 0 ? Math.min(1, input.bytesRead / file.bytes) : 1) };
}

/**
 * A statement amount in minor units: "12.34", "-0.06", "0.06000" (WeChat writes fees with
 * five places). Amounts must be whole fen; a fee with sub-fen digits rounds half away from
 * zero, as the providers settle it.
 */
export function statementMinor(text: string, what: string, roundSubFen = false): number {
  const m = /^(-?)(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new JuheError('statement_invalid', `The statement has an unreadable ${what}: "${text}"`);
  const [, sign, whole, fraction = ''] = m;
  const fen = Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  const rest = fraction.slice(2);
  if (/[1-9]/.test(rest) && !roundSubFen) {
    throw new JuheError('statement_invalid', `The statement's ${what} "${text}" is not whole fen`);
  }
  const rounded = fen + (rest.length > 0 && rest[0] >= '5' ? 1 : 0);
  return sign === '-' ? -rounded : rounded;
}

/** "2026-12-06 10:15:03" (Asia/Shanghai) as a Date. */
export function shanghaiTime(text: string): Date {
  const d = new Date(`${text.trim().replace(' ', 'T')}+08:00`);
  if (Number.isNaN(d.getTime()))
    throw new JuheError('statement_invalid', `The statement has an unreadable time "${text}"`);
  return d;
}
