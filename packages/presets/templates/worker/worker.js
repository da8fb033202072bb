// A background worker: no web server, no dependencies. Replace the heartbeat with real work
// (a queue consumer, a scheduler, a bot) and keep the graceful shutdown.
const intervalMs = Number(process.env.HEARTBEAT_MS ?? 5000);
let beats = 0;

function heartbeat() {
  beats += 1;
  console.log(`[worker] heartbeat ${beats} at ${new Date().toISOString()}`);
}

console.log(`[worker] started (pid ${process.pid}), a heartbeat every ${intervalMs} ms`);
heartbeat();
const timer = setInterval(heartbeat, intervalMs);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    clearInterval(timer);
    console.log(`[worker] ${signal}: stopping after ${beats} heartbeats`);
    process.exit(0);
  });
}
