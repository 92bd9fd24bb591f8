package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every activation and loss: the trainer's backpropagated gradient of every parameter against
 * central differences of the double-precision twin, on small random networks with tails in every
 * dimension (5 inputs, hidden widths 11 and 9, batch 7).
 */
class GradientCheckTest {
  static Stream<Arguments> cases() {
    Activation[] acts = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f), Activation.SIGMOID,
        Activation.TANH, Activation.GELU, Activation.SILU, Activation.SOFTPLUS};
    return Stream.of(Loss.values()).flatMap(loss -> Stream.of(acts).map(a -> Arguments.of(a, loss)));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void backpropMatchesCentralDifferences(Activation act, Loss loss) {
    int inputs = 5, outputs = loss.usesLabels() ? 4 : 3, m = 7;
    Network net = Network.builder(inputs).dense(11, act).dense(9, act).dense(outputs).loss(loss).build(17);
    SplittableRandom rnd = new SplittableRandom(5);
    float[] x = new float[m * inputs];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    Dataset data;
    if (loss.usesLabels()) {
      data = Dataset.classification(x, m, inputs, rnd.ints(m, 0, outputs).toArray(), outputs);
    } else {
      float[] t = new float[m * outputs];
      for (int i = 0; i < t.length; i++) {
        t[i] = loss == Loss.BINARY_CROSS_ENTROPY ? (float) rnd.nextDouble() : (float) rnd.nextGaussian();
      }
      data = Dataset.regression(x, m, inputs, t, outputs);
    }
    try (Trainer trainer = Trainer.builder(net).batchSize(m).build()) {
      float floatLoss = trainer.lossAndGradients(data, m);
      float[] g = trainer.gradients();
      double[] p = new double[net.params.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = net.params[i];
      }
      double exactLoss = Twin.loss(net, p, data, m);
      assertEquals(exactLoss, floatLoss, 1e-5 * Math.max(1, exactLoss), "loss");
      double worst = 0;
      for (int i = 0; i < p.length; i++) {
        double saved = p[i];
        double h = 1e-5;
        p[i] = saved + h;
        double up = Twin.loss(net, p, data, m);
        p[i] = saved - h;
        double down = Twin.loss(net, p, data, m);
        p[i] = saved;
        double fd = (up - down) / (2 * h);
        double err = Math.abs(g[i] - fd) / Math.max(1e-2, Math.abs(fd));
        worst = Math.max(worst, err);
        // float backprop against exact differences: a few float roundings relative to the
        // gradient's size (ReLU-likes: h never straddles a kink with these seeds)
        assertTrue(err < 2e-3, act + "/" + loss + " parameter " + i + ": backprop " + g[i] + ", differences " + fd);
      }
      assertTrue(worst > 0, "the check compared something");
    }
  }
}
