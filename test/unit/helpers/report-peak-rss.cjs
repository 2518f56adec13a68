// Preloaded (NODE_OPTIONS=--require) into a child process by a test: at exit, the process's own peak
// resident memory goes to stderr as "peak-rss-kb N", for tests that bound the memory of a command.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
