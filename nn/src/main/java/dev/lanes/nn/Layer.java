package dev.lanes.nn;

/**
 * One layer of a {@link Network}: a forward and a backward pass on row blocks (one row per example)
 * of flat arrays, parameters and gradients indexed in the network's single arrays.
 */
sealed interface Layer permits DenseLayer, DropoutLayer {
  /** Width of the layer's input rows. */
  int inputs();

  /** Width of the layer's output rows. */
  int outputs();

  /** Parameters this layer owns in the network's array. */
  int parameterCount();

  /** What the layer is, for messages and model files, e.g. "dense(256, relu)". */
  String describe();
}
