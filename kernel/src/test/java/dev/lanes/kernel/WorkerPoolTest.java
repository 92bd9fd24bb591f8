package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);

  @Test
  void everyWorkerRunsEachTaskOnceWithItsOwnIndex() {
    assertTimeoutPreemptively(LIMIT, () -> {
      for (int size : new int[] {1, 2, 3, 8}) {
        try (WorkerPool pool = new WorkerPool(size)) {
          for (int rep = 0; rep < 200; rep++) {
            AtomicIntegerArray runs = new AtomicIntegerArray(size);
            pool.run((w, n) -> {
              assertEquals(size, n);
              runs.incrementAndGet(w);
            });
            for (int w = 0; w < size; w++) {
              assertEquals(1, runs.get(w), "worker " + w + " of " + size + ", rep " + rep);
            }
          }
        }
      }
    });
  }

  @Test
  void barrierSeparatesPhases() {
    assertTimeoutPreemptively(LIMIT, () -> {
      try (WorkerPool pool = new WorkerPool(4)) {
        for (int rep = 0; rep < 100; rep++) {
          int[] slots = new int[4];
          int[][] seen = new int[4][];
          int r = rep;
          pool.run((w, n) -> {
            slots[w] = r * 10 + w; // phase 1: each writes its slot
            pool.barrier();
            seen[w] = slots.clone(); // phase 2: all slots are visible
            pool.barrier();
          });
          for (int w = 0; w < 4; w++) {
            assertArrayEquals(new int[] {r * 10, r * 10 + 1, r * 10 + 2, r * 10 + 3}, seen[w]);
          }
        }
      }
    });
  }

  @Test
  void runOnFewerPartiesLeavesTheOthersIdle() {
    assertTimeoutPreemptively(LIMIT, () -> {
      try (WorkerPool pool = new WorkerPool(4)) {
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        pool.run(2, (w, n) -> {
          assertEquals(2, n);
          runs.incrementAndGet(w);
          pool.barrier();
        });
        assertEquals("[1, 1, 0, 0]", runs.toString());
        assertThrows(IllegalArgumentException.class, () -> pool.run(5, (w, n) -> { }));
        assertThrows(IllegalArgumentException.class, () -> pool.run(0, (w, n) -> { }));
      }
    });
  }

  @Test
  void aWorkersExceptionReachesTheCallerAndFreesTheBarrier() {
    assertTimeoutPreemptively(LIMIT, () -> {
      try (WorkerPool pool = new WorkerPool(3)) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((w, n) -> {
          if (w == 2) {
            throw new IllegalStateException("boom in worker 2");
          }
          pool.barrier(); // the others wait here and must be released
        }));
        assertEquals("boom in worker 2", e.getMessage());
        AtomicInteger ok = new AtomicInteger();
        pool.run((w, n) -> ok.incrementAndGet()); // still usable
        assertEquals(3, ok.get());
      }
    });
  }

  @Test
  void aSecondConcurrentRunIsRefused() throws Exception {
    try (WorkerPool pool = new WorkerPool(2)) {
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread t = new Thread(() -> pool.run((w, n) -> {
        if (w == 0) {
          inside.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }));
      t.start();
      inside.await();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((w, n) -> { }));
      assertTrue(e.getMessage().contains("already running"), e.getMessage());
      release.countDown();
      t.join();
    }
  }

  @Test
  void workersCanComeFromACallersExecutor() {
    assertTimeoutPreemptively(LIMIT, () -> {
      ExecutorService executor = Executors.newFixedThreadPool(2);
      try (WorkerPool pool = new WorkerPool(3, executor)) {
        AtomicIntegerArray runs = new AtomicIntegerArray(3);
        for (int rep = 0; rep < 50; rep++) {
          pool.run((w, n) -> runs.incrementAndGet(w));
        }
        assertEquals("[50, 50, 50]", runs.toString());
      } finally {
        executor.shutdown();
      }
    });
  }

  @Test
  void closedPoolAndBadSizesAreRefused() {
    WorkerPool pool = new WorkerPool(2);
    pool.close();
    assertThrows(IllegalStateException.class, () -> pool.run((w, n) -> { }));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }
}
