package dev.lanes.bench;

import com.sun.management.ThreadMXBean;
import dev.lanes.kernel.WorkerPool;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The threads that run Lanes in a benchmark: JMH's own (the caller, worker 0 of a pool) and the
 * workers of a pool made here, named so their allocation can be read ({@link ThreadBytes}).
 */
final class LanesThreads {
  private final List<Thread> workers = new ArrayList<>();
  private final ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** What {@code threads(n)} would make, on threads this can name: the caller and n − 1 workers. */
  WorkerPool pool(int threads) {
    return new WorkerPool(threads, r -> {
      Thread t = new Thread(r, "lanes-bench-worker-" + (workers.size() + 1));
      t.setDaemon(true);
      workers.add(t);
      return t;
    });
  }

  /** Bytes the calling thread has allocated so far. */
  long callerBytes() {
    return mx.getCurrentThreadAllocatedBytes();
  }

  /** Bytes the pool's workers have allocated so far. */
  long workerBytes() {
    long bytes = 0;
    for (int i = 0; i < workers.size(); i++) { // no iterator: nothing allocated between the reads
      bytes += mx.getThreadAllocatedBytes(workers.get(i).threadId());
    }
    return bytes;
  }
}
