package dev.lanes.kernel;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that runs one task at a time on all of them at once: the caller is
 * worker 0 and {@code size() - 1} workers join it. Built once and reused, so nothing spawns threads
 * per call.
 *
 * <p>Between tasks a worker spins ({@link Thread#onSpinWait()}) for a short while, because a
 * training step's phases come microseconds apart and waking a parked thread costs tens of
 * microseconds; only when idle longer does it park. Inside a task, {@link #barrier()} lines all
 * workers up between phases.
 *
 * <p>One task runs at a time: a second concurrent {@link #run} throws. Use one pool per thread
 * that drives work. Close it to stop its threads (they are daemons in any case).
 */
public final class WorkerPool implements AutoCloseable {

  /** A task body; runs once on every worker, {@code worker} in [0, workers). */
  @FunctionalInterface
  public interface Task {
    void run(int worker, int workers);
  }

  /** Spin this long for the next task before parking. */
  private static final long IDLE_SPIN_NANOS = 200_000;
  /** Spins between yields while waiting inside a task (matters only when threads > cores). */
  private static final int SPINS_BEFORE_YIELD = 1 << 12;

  private final int size;
  private final Thread[] threads; // slot 0 unused: worker 0 is the caller
  private final AtomicBoolean busy = new AtomicBoolean();
  private volatile boolean closed;

  // The current task, published by the volatile write to generation.
  private Task task;
  private int parties;
  private volatile long generation;
  private final AtomicInteger running = new AtomicInteger();
  private volatile Throwable failure;

  // Sense-free barrier: the last to arrive resets the count and advances the phase.
  private final AtomicInteger arrived = new AtomicInteger();
  private volatile int phase;

  /** Scratch the GEMM uses while this pool runs it (one task at a time, so one is enough). */
  final GemmWorkspace gemmWorkspace = new GemmWorkspace();
  final GemmDriver gemmDriver = new GemmDriver();
  final GemmInPlace gemmInPlace = new GemmInPlace(false);
  final GemmInPlace gemmInPlaceTransposed = new GemmInPlace(true);
  final GemmOuter gemmOuter = new GemmOuter();
  /** The step's elementwise passes that split across the pool (one task at a time, so one each). */
  final SquaresCall squares = new SquaresCall();
  final ActivationBackwardCall activationBackward = new ActivationBackwardCall();

  /** A pool of {@code threads} workers (the caller counts as one), on new daemon threads. */
  public WorkerPool(int threads) {
    this(threads, daemonFactory());
  }

  /** A pool of {@code threads} workers whose extra threads come from {@code factory}. */
  public WorkerPool(int threads, ThreadFactory factory) {
    this(threads, Objects.requireNonNull(factory, "factory"), null);
  }

  /**
   * A pool of {@code threads} workers whose extra {@code threads - 1} loops run on
   * {@code executor} until {@link #close()}; the executor must be able to run them all at once.
   */
  public WorkerPool(int threads, Executor executor) {
    this(threads, null, Objects.requireNonNull(executor, "executor"));
  }

  private WorkerPool(int threads, ThreadFactory factory, Executor executor) {
    if (threads < 1) {
      throw new IllegalArgumentException("WorkerPool: threads must be >= 1, got " + threads);
    }
    this.size = threads;
    this.threads = new Thread[threads];
    for (int w = 1; w < size; w++) {
      int worker = w;
      if (factory != null) {
        Thread t = factory.newThread(() -> loop(worker));
        register(worker, t);
        t.start();
      } else {
        executor.execute(() -> {
          register(worker, Thread.currentThread());
          loop(worker);
        });
      }
    }
  }

  private synchronized void register(int w, Thread t) {
    threads[w] = t;
  }

  private synchronized Thread thread(int w) {
    return threads[w];
  }

  private static ThreadFactory daemonFactory() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "lanes-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The number of workers, the caller included. */
  public int size() {
    return size;
  }

  /**
   * Runs {@code task} on every worker at once and returns when all have finished. An exception
   * from any worker is rethrown here (the first one; the others are suppressed into it).
   *
   * @throws IllegalStateException if the pool is closed or already running a task
   */
  public void run(Task task) {
    run(size, task);
  }

  /**
   * Runs {@code task} on workers [0, parties) only (the caller is worker 0), for work too small to
   * split across the whole pool; the others stay idle. {@code task} sees {@code workers == parties}.
   *
   * @throws IllegalArgumentException if parties is not in [1, size()]
   * @throws IllegalStateException if the pool is closed or already running a task
   */
  public void run(int parties, Task task) {
    Objects.requireNonNull(task, "task");
    acquire();
    try {
      runAcquired(parties, task);
    } finally {
      release();
    }
  }

  /**
   * Claims the pool for one caller, so that it may set up shared state before
   * {@link #runAcquired}; pair with {@link #release()}.
   *
   * @throws IllegalStateException if the pool is closed or already claimed
   */
  void acquire() {
    if (closed) {
      throw new IllegalStateException("WorkerPool is closed");
    }
    if (!busy.compareAndSet(false, true)) {
      throw new IllegalStateException("WorkerPool is already running a task: use one pool per driving thread");
    }
  }

  void release() {
    busy.set(false);
  }

  /** {@link #run(int, Task)} for a caller that holds the pool (see {@link #acquire()}). */
  void runAcquired(int parties, Task task) {
    if (parties < 1 || parties > size) {
      throw new IllegalArgumentException("WorkerPool.run: parties must be in [1, " + size + "], got " + parties);
    }
    this.parties = parties;
    if (parties == 1) {
      task.run(0, 1);
      return;
    }
    this.task = task;
    failure = null;
    arrived.set(0);
    running.set(parties - 1);
    generation++; // publishes task and parties
    for (int w = 1; w < parties; w++) {
      Thread t = thread(w);
      if (t != null) {
        LockSupport.unpark(t); // cheap when the worker is spinning rather than parked
      }
    }
    try {
      task.run(0, parties);
    } catch (Throwable e) {
      fail(e);
    }
    int spins = 0;
    while (running.get() != 0) {
      spins = pause(spins);
    }
    this.task = null;
    Throwable f = failure;
    if (f != null) {
      failure = null;
      if (f instanceof RuntimeException re) {
        throw re;
      }
      if (f instanceof Error err) {
        throw err;
      }
      throw new RuntimeException(f);
    }
  }

  /**
   * Waits until every worker of the running task has reached this call. Only from inside a task;
   * every worker must call it the same number of times.
   */
  public void barrier() {
    if (parties <= 1) {
      return;
    }
    int p = phase;
    if (arrived.incrementAndGet() == parties) {
      arrived.set(0);
      phase = p + 1;
      return;
    }
    int spins = 0;
    while (phase == p) {
      if (failure != null) {
        throw new WorkerFailedException();
      }
      spins = pause(spins);
    }
  }

  private static int pause(int spins) {
    if (++spins >= SPINS_BEFORE_YIELD) {
      Thread.yield();
      return 0;
    }
    Thread.onSpinWait();
    return spins;
  }

  private void fail(Throwable e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      } else if (!(e instanceof WorkerFailedException) && failure != e) {
        failure.addSuppressed(e);
      }
    }
  }

  private void loop(int worker) {
    long seen = 0;
    while (true) {
      long g = waitForTask(seen);
      if (closed) {
        return;
      }
      seen = g;
      int n = parties;
      if (worker >= n) {
        continue; // not needed for this task
      }
      try {
        task.run(worker, n);
      } catch (Throwable e) {
        fail(e);
      } finally {
        running.decrementAndGet();
      }
    }
  }

  private long waitForTask(long seen) {
    long g;
    long spinUntil = System.nanoTime() + IDLE_SPIN_NANOS;
    int spins = 0;
    while ((g = generation) == seen && !closed) {
      if (++spins < 64 || System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this); // run() unparks; a spurious return just loops
      }
    }
    return g;
  }

  /** Stops the workers once they finish the task in hand. */
  @Override
  public void close() {
    closed = true;
    for (int w = 1; w < size; w++) {
      Thread t = thread(w);
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  /** Thrown in the workers waiting at a barrier when another worker's task failed. */
  static final class WorkerFailedException extends RuntimeException {
    WorkerFailedException() {
      super("another worker failed", null, false, false);
    }
  }
}
