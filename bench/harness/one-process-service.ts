/**
 * The one-process alternative to the deployed split, as a service: an HTTP server in front of
 * the in-process floor (floor-pipeline.ts: the same ONNX files and library code, both models
 * in this process). POST a JPEG to / (?min_confidence=&max_detections=); the answer is JSON
 * with the number of bananas and the annotated JPEG in base64, like the function's. Plain
 * node:http (no framework, no multipart), so it is the cheaper edge of the two.
 * Prints one line {"port": N} once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { startFloorPipeline } from './floor-pipeline.js';

const threads = Number(process.env.INTRA_OP_THREADS ?? availableParallelism());
const floor = await startFloorPipeline({ intraOpThreads: threads });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    floor
      .run({
        jpeg: Buffer.concat(chunks),
        minConfidence: Number(query.get('min_confidence') ?? 0.4),
        maxDetections: Number(query.get('max_detections') ?? 100),
        quality: 85,
        timeLimit: false,
      })
      .then(
        (result) => {
          const body = JSON.stringify({
            bananas: result.bananas,
            img: result.annotatedJpeg.toString('base64'),
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        },
        (error: unknown) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        },
      );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' ? address?.port : undefined }));
});
process.once('SIGTERM', () => {
  server.close();
  void floor.close().then(() => process.exit(0));
});
