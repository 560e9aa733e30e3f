// `npm start`: the Vite dev server for the demo site (vite.config.ts): the landing page links every demo.
// Prints the URL; stops on Ctrl-C. PORT=… picks the port (default 5173, the next free one if taken).
import { createServer } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const server = await createServer({
  root,
  configFile: `${root}/vite.config.ts`,
  server: { port: Number(process.env.PORT ?? 5173), host: process.env.HOST ?? 'localhost' },
  clearScreen: false,
});
await server.listen();
const url = server.resolvedUrls?.local?.[0] ?? `http://localhost:${server.config.server.port}/`;
console.log(`slimgpu demos: ${url}  (classify, train live, compression explorer, device benchmark)`);
console.log('WebGPU needs a secure context: open it as http://localhost (not an IP address) or over https.');
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
