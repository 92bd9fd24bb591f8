package dev.lanes.nn;

/**
 * One epoch's metrics: the mean training loss over its examples, and the validation loss and
 * accuracy (NaN without a validation set; accuracy NaN for losses without labels).
 */
public record EpochResult(int epoch, long steps, float trainLoss, float validationLoss,
                          float validationAccuracy, double seconds) {}
