package dev.lanes.nn;

import dev.lanes.kernel.ActivationTwin;

/**
 * A plain double-precision twin of a network's forward pass and loss (dense layers only), written
 * from the formulas, for gradient checks by central differences.
 */
final class Twin {
  private Twin() {}

  /** Mean loss of rows [0, m) of data under params (the network's layout). */
  static double loss(Network net, double[] params, Dataset data, int m) {
    double total = 0;
    for (int r = 0; r < m; r++) {
      double[] a = new double[data.features];
      for (int j = 0; j < a.length; j++) {
        a[j] = data.x[r * data.features + j];
      }
      for (Layer layer : net.layers) {
        DenseLayer d = (DenseLayer) layer;
        double[] z = new double[d.out];
        for (int o = 0; o < d.out; o++) {
          double s = params[d.bias + o];
          for (int i = 0; i < d.in; i++) {
            s += params[d.weights + o * d.in + i] * a[i];
          }
          z[o] = ActivationTwin.forward(d.act, s);
        }
        a = z;
      }
      total += switch (net.loss) {
        case SOFTMAX_CROSS_ENTROPY -> {
          double max = Double.NEGATIVE_INFINITY;
          for (double v : a) {
            max = Math.max(max, v);
          }
          double sum = 0;
          for (double v : a) {
            sum += Math.exp(v - max);
          }
          yield max + Math.log(sum) - a[data.labels[r]];
        }
        case BINARY_CROSS_ENTROPY -> {
          double s = 0;
          for (int o = 0; o < a.length; o++) {
            double t = data.targets[r * a.length + o];
            s += Math.max(a[o], 0) - a[o] * t + Math.log1p(Math.exp(-Math.abs(a[o])));
          }
          yield s / a.length;
        }
        case MEAN_SQUARED_ERROR -> {
          double s = 0;
          for (int o = 0; o < a.length; o++) {
            double e = a[o] - data.targets[r * a.length + o];
            s += e * e;
          }
          yield s / a.length;
        }
      };
    }
    return total / m;
  }
}
