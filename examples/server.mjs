// An HTTP service that trains a model in the background and answers while it
// trains: `node examples/server.mjs [--port 3000]` (or PORT=3000; port 0
// picks a free one), after `npm run build`. Listens on 127.0.0.1 only.
//
//   GET  /         status page: the learning curves of the latest training, redrawn as it trains
//   GET  /curves   those curves' data: {"runs":[{"name","epochs":[{"epoch","loss",...}, ...]}]}
//   POST /train    {"dataset":"spirals"|"xor"|"digits", "samples", "epochs", "batchSize", "seed",
//                   "layers", "loss", "optimizer"}  or  {"data":{"x":[[...]],"y":[...]}, "layers", ...}
//                  → 202 at once; training runs in the background
//   GET  /status   state (idle | training | done | stopped | failed), epoch, epochs, batch, batches,
//                  progress (0…1), loss, accuracy, samplesPerSecond, seconds
//   POST /predict  {"rows":[[...], ...]} → {"outputs":[[...], ...], "training", "epoch"}, also mid-training
//   POST /stop     stops the training between two batches; the model is kept for /predict
//
// Errors are JSON {"error": "..."} with status 400 (bad JSON, fields, shapes), 404, 405, 409 or 413.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { liveReportHtml } from 'backprop/report';
import { HttpError, readJson, sendHtml, sendJson } from './server/http-json.mjs';
import { Trainer } from './server/trainer.mjs';

const HOST = '127.0.0.1';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '3000' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer in [0, 65535], got ${values.port}`);
  process.exit(2);
}

const trainer = new Trainer();

// Chart.js and the drawing code inlined, as in `backprop report`; the page asks only this server for data.
const STATUS_PAGE = liveReportHtml({ title: 'backprop training server', runs: [], test: null }, { url: '/curves', intervalMs: 500 });

const ROUTES = {
  'GET /': async () => [200, STATUS_PAGE],
  'GET /curves': async () => [200, trainer.curves()],
  'POST /train': async (request) => [202, trainer.start(await readJson(request))],
  'GET /status': async () => [200, trainer.status()],
  'POST /predict': async (request) => [200, trainer.predict(await readJson(request))],
  'POST /stop': async () => [200, await trainer.stop()],
};
const PATHS = new Set(Object.keys(ROUTES).map((route) => route.split(' ')[1]));

async function handle(request, response) {
  const path = new URL(request.url, `http://${HOST}`).pathname;
  const route = ROUTES[`${request.method} ${path}`];
  try {
    if (!route) throw PATHS.has(path) ? new HttpError(405, `${request.method} is not allowed on ${path}`) : new HttpError(404, `no route ${path}`);
    const [status, body] = await route(request);
    if (typeof body === 'string') sendHtml(response, body);
    else sendJson(response, status, body);
  } catch (error) {
    if (!(error instanceof HttpError)) console.error(error);
    sendJson(response, error instanceof HttpError ? error.status : 500, { error: error.message });
  }
}

const server = http.createServer((request, response) => void handle(request, response));
server.listen(port, HOST, () => {
  console.log(`listening on http://${HOST}:${server.address().port}`);
});

async function shutDown() {
  server.close();
  await trainer.close();
}
process.once('SIGINT', shutDown);
process.once('SIGTERM', shutDown);
