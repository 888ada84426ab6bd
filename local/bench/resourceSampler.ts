export interface ResourceWindow {
  cpuSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  peakRssBytes: number;
  rssAtStartBytes: number;
  rssAtEndBytes: number;
}

/**
 * CPU time of this process (runtime and load client together) and its peak RSS, sampled every
 * 250 ms, over one measured window.
 */
export function startResourceWindow(sampleEveryMs = 250): { stop(): ResourceWindow } {
  const cpuBefore = process.cpuUsage();
  const rssAtStart = process.memoryUsage.rss();
  let peak = rssAtStart;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, sampleEveryMs);
  return {
    stop() {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpuBefore);
      const rssAtEnd = process.memoryUsage.rss();
      return {
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        cpuUserSeconds: cpu.user / 1e6,
        cpuSystemSeconds: cpu.system / 1e6,
        peakRssBytes: Math.max(peak, rssAtEnd),
        rssAtStartBytes: rssAtStart,
        rssAtEndBytes: rssAtEnd,
      };
    },
  };
}
