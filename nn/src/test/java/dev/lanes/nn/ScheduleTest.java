package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The learning-rate schedules' factors at known steps. */
class ScheduleTest {
  @Test
  void stepDecaysEveryNEpochs() {
    Schedule s = Schedule.step(2, 0.5f);
    long perEpoch = 10;
    assertEquals(1f, s.factor(0, 100, perEpoch));
    assertEquals(1f, s.factor(19, 100, perEpoch));
    assertEquals(0.5f, s.factor(20, 100, perEpoch));
    assertEquals(0.25f, s.factor(45, 100, perEpoch));
    assertThrows(IllegalArgumentException.class, () -> Schedule.step(0, 0.5f));
  }

  @Test
  void cosineRunsFromOneToTheFloor() {
    Schedule s = Schedule.cosine(0.1f);
    assertEquals(1f, s.factor(0, 100, 10));
    assertEquals(0.55f, s.factor(50, 100, 10), 1e-6);
    assertEquals(0.1f, s.factor(100, 100, 10), 1e-6);
  }

  @Test
  void warmupRisesLinearlyThenHandsOver() {
    Schedule s = Schedule.warmup(4, Schedule.constant());
    assertEquals(0.25f, s.factor(0, 100, 10));
    assertEquals(0.75f, s.factor(2, 100, 10));
    assertEquals(1f, s.factor(3, 100, 10));
    assertEquals(1f, s.factor(50, 100, 10));
  }

  @Test
  void builtInSchedulesReadBackFromTheirText() {
    for (Schedule s : new Schedule[] {Schedule.constant(), Schedule.step(3, 0.5f), Schedule.cosine(0.05f),
        Schedule.warmup(100, Schedule.warmup(7, Schedule.cosine(0f)))}) {
      Schedule back = Schedule.parse(s.toString());
      assertEquals(s, back);
      assertEquals(s.toString(), back.toString());
    }
    assertEquals(Schedule.step(2, 0.1f), Schedule.parse(" STEP(2,0.1) "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("linear(3)"));
    assertEquals(true, e.getMessage().contains("unknown schedule 'linear'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Schedule.parse("cosine(x)"));
    assertThrows(IllegalArgumentException.class, () -> Schedule.parse("warmup(0, constant)"));
    assertEquals(false, Schedule.isBuiltIn((step, total, perEpoch) -> 1f));
  }

  @Test
  void cosineMatchesStrictMath() {
    for (int i = 0; i <= 30_000; i++) {
      double u = i / 10_000.0; // [0, 3]: past the end of a run the factor rises again, as cos does
      double exact = StrictMath.cos(Math.PI * u);
      // the reference rounds π·u itself (error up to ulp(π·u)/2 in the argument), then cos to 1 ulp
      assertEquals(exact, Schedule.Cosine.cosPi(u), Math.ulp(Math.PI * u) + 2.3e-16, "u=" + u);
    }
  }

  @Test
  void factorsAllocateNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (Schedule s : new Schedule[] {Schedule.cosine(0.1f), Schedule.step(1, 0.9f),
        Schedule.warmup(10, Schedule.cosine(0f))}) {
      float sink = 0;
      for (long step = 0; step < 50_000; step++) { // compiled on the way
        sink += s.factor(step, 100_000, 1_000);
      }
      long before = mx.getCurrentThreadAllocatedBytes();
      for (long step = 50_000; step < 100_000; step++) {
        sink += s.factor(step, 100_000, 1_000);
      }
      // under 1 KiB in all: a one-off JIT event may allocate a few dozen bytes; StrictMath.cos took 3.4 MB
      long bytes = mx.getCurrentThreadAllocatedBytes() - before;
      assertTrue(bytes < 1024, s + ": " + bytes + " bytes allocated by 50 000 steps");
      assertTrue(sink > 0, s.toString());
    }
  }

  @Test
  void stepDecayMatchesStrictMath() {
    Schedule s = Schedule.step(2, 0.7f);
    for (long step = 0; step < 2000; step += 7) {
      double exact = StrictMath.pow(0.7f, step / 10 / 2);
      assertEquals((float) exact, s.factor(step, 2000, 10), Math.ulp((float) exact), "step " + step);
    }
  }
}
