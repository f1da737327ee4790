/**
 * Preloaded (`node --import`) into every replica the local stack spawns: when the stack's
 * process goes away, even by SIGKILL, the IPC channel closes and the replica shuts down
 * gracefully instead of lingering as an orphan.
 */
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
  });
}
