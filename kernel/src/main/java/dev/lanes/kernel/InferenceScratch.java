package dev.lanes.kernel;

/**
 * The scratch of {@link Dense#forward(InferenceScratch, Activation, int, PackedWeights, float[], int,
 * int, float[], int, float[], int, int)} for one caller at a time (a few KB), so that a service can
 * pool it instead of each thread (virtual threads included) keeping its own.
 */
public final class InferenceScratch {
  final GemmWorkspace ws = new GemmWorkspace();
  final GemmInPlace inPlace = new GemmInPlace(false);
}
