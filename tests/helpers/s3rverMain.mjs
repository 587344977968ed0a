/* global process, console */
// An S3 server (s3rver) in its own process for the cluster tests: node s3rverMain.mjs PORT DIR
import S3rver from 's3rver';

const [port, directory] = process.argv.slice(2);
const server = new S3rver({
  port: Number(port),
  address: '127.0.0.1',
  silent: true,
  directory,
  configureBuckets: [{ name: 'skyclass' }],
});
await server.run();
console.log(`s3rver listening on 127.0.0.1:${port}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
