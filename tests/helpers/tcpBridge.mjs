/* global process */
// Run inside a network namespace: accepts TCP on 127.0.0.1:<port> there and
// relays each connection to a unix socket, which crosses namespaces. The test
// process on the other side relays the unix socket to the service's TCP port.
import net from 'node:net';

const [port, socketPath] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
