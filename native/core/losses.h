// Losses over a rows × outputs block of the last layer: the loss terms and
// correct count (summed, so blocks of one evaluation add up), and dL/dZ of
// the mean loss. binaryCrossEntropy and crossEntropy work from the logits z
// (stable at any magnitude) and their gradients skip the final activation's
// derivative: sigmoid + BCE and softmax + CE are fused.
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace backprop {

struct LossSums {
  double loss = 0;     // sum of the terms whose mean the loss is
  double correct = 0;  // see Evaluation::correct
};

// How many terms the loss averages: rows × outputs (mse, BCE, huber, mae) or rows (CE).
std::size_t loss_terms(Loss loss, std::size_t rows, std::size_t outputs);

// The targets of rows [first_row, …) of `targets`.
Targets target_rows(Targets targets, std::size_t first_row, std::size_t outputs);

// z: logits, a: outputs after `last`'s activation, both rows × outputs.
// The spec's pairing holds: BCE after sigmoid, CE after softmax.
// With label smoothing ε, CE's targets are q = (1 − ε)·y + ε/outputs.
LossSums loss_sums(Loss loss, const float* z, const float* a, Targets targets, std::size_t rows,
                   std::size_t outputs, const LossParameters& parameters = {});

// With row weights w: Σ wᵢ·lᵢ where lᵢ is row i's loss (the mean over its
// outputs for the per-element losses, its smoothed term for CE), into
// *weighted; Σ wᵢ into *weight_sum. The weighted mean loss is their ratio.
void weighted_loss_sums(Loss loss, const float* z, const float* a, Targets targets,
                        std::size_t rows, std::size_t outputs, const float* weights,
                        double* weighted, double* weight_sum,
                        const LossParameters& parameters = {});

// Turns dL/dZ of the plain mean (loss_gradient) into that of the weighted
// mean: row i scaled by wᵢ·rows / Σw.
void weight_gradient_rows(float* delta, std::size_t rows, std::size_t outputs,
                          const float* weights, double weight_sum);

// dL/dZ of the mean loss over these `rows` into delta (rows × outputs):
//   mse: 2(a − y)/(rows·outputs), then through `last`'s derivative;
//   BCE: (sigmoid(z) − y)/(rows·outputs);
//   CE:  (softmax(z)·Σq − q)/rows with q the smoothed targets, which is
//        (softmax(z) − q)/rows for one-hot or probability targets and the
//        exact gradient for any other;
//   huber: clamp(a − y, ±delta)/(rows·outputs), then through `last`'s derivative;
//   mae: sign(a − y)/(rows·outputs) (sign(0) = 0), then the same.
void loss_gradient(Loss loss, Activation last, const float* z, const float* a, Targets targets,
                   std::size_t rows, std::size_t outputs, float* delta,
                   const LossParameters& parameters = {});

}  // namespace backprop
