/** Settings shared by every benchmark of one `npm run bench` invocation. */
import { availableParallelism } from 'node:os';
import { benchPhoto, photoName, PHOTO_SET, type BenchPhoto, type PhotoSpec } from './photos.js';

export interface BenchContext {
  /** --quick: a fraction of the samples and durations (development; numbers are rough). */
  quick: boolean;
  /** ONNX intra-op threads, the same for the in-process floor and the services (default: all cores). */
  intraOpThreads: number;
  /**
   * How the function reaches the services in every process stack of the run (--transport):
   * `unix` sockets, as `npm start` and co-located containers do, or loopback `tcp`, as
   * separate pods do.
   */
  transport: 'unix' | 'tcp';
  /** Scales a sample count or duration down in quick mode (never below `min`). */
  scale(full: number, min?: number): number;
  /** Generated once per run and cached. */
  photo(spec: PhotoSpec): Promise<BenchPhoto>;
  photos(specs?: readonly PhotoSpec[]): Promise<BenchPhoto[]>;
}

export function createContext(options: {
  quick: boolean;
  intraOpThreads?: number;
  transport?: 'unix' | 'tcp';
}): BenchContext {
  const cache = new Map<string, Promise<BenchPhoto>>();
  const photo = (spec: PhotoSpec): Promise<BenchPhoto> => {
    const key = `${photoName(spec)}#${spec.seed ?? ''}`;
    let cached = cache.get(key);
    if (!cached) {
      cached = benchPhoto(spec);
      cache.set(key, cached);
    }
    return cached;
  };
  return {
    quick: options.quick,
    intraOpThreads: options.intraOpThreads ?? availableParallelism(),
    transport: options.transport ?? 'unix',
    scale: (full, min = 1) => (options.quick ? Math.max(min, Math.round(full / 5)) : full),
    photo,
    async photos(specs = PHOTO_SET) {
      const photos: BenchPhoto[] = [];
      for (const spec of specs) photos.push(await photo(spec));
      return photos;
    },
  };
}
