// Losses: hand values, correct counts, stability at extreme logits, and the
// gradients (fused, smoothed, huber, mae) against central differences of the
// mean loss.
#include <cmath>
#include <cstdint>
#include <vector>

#include "activations.h"
#include "check.h"
#include "losses.h"

using backprop::Activation;
using backprop::Loss;
using backprop::Targets;

namespace {

struct Case {
  Loss loss;
  Activation last;
  std::size_t rows, outputs;
  std::vector<float> z;
  std::vector<float> dense;
  std::vector<std::int32_t> labels;
  backprop::LossParameters parameters{};

  Targets targets() const {
    return labels.empty() ? Targets{dense.data(), nullptr} : Targets{nullptr, labels.data()};
  }
  std::vector<float> outputs_of(const std::vector<float>& logits) const {
    std::vector<float> a(logits.size());
    backprop::activate(last, logits.data(), a.data(), rows, outputs);
    return a;
  }
  backprop::LossSums sums(const std::vector<float>& logits) const {
    const std::vector<float> a = outputs_of(logits);
    return backprop::loss_sums(loss, logits.data(), a.data(), targets(), rows, outputs,
                               parameters);
  }
  double mean(const std::vector<float>& logits) const {
    return sums(logits).loss / double(backprop::loss_terms(loss, rows, outputs));
  }
  std::vector<float> gradient() const {
    const std::vector<float> a = outputs_of(z);
    std::vector<float> delta(z.size());
    backprop::loss_gradient(loss, last, z.data(), a.data(), targets(), rows, outputs,
                            delta.data(), parameters);
    return delta;
  }
};

void hand_values() {
  const Case mse{Loss::mse, Activation::linear, 2, 2, {0.5f, 1, -1, 3}, {0, 1, 1, 1}, {}};
  CHECK_CLOSE(mse.sums(mse.z).loss, 0.25 + 0 + 4 + 4, 1e-12, 0);
  CHECK_CLOSE(mse.mean(mse.z), 8.25 / 4, 1e-12, 0);
  CHECK(mse.sums(mse.z).correct == 0);

  // log 2; 2 + log1p(e^-2); log1p(e^-3)
  const Case bce{Loss::binary_cross_entropy, Activation::sigmoid, 1, 3, {0, 2, -3}, {1, 0, 0},
                 {}};
  CHECK_CLOSE(bce.sums(bce.z).loss, 0.6931471805599453 + 2.1269280110429727 + 0.04858735157374196,
              1e-7, 0);
  CHECK(bce.sums(bce.z).correct == 1);  // 0.5 is not > 0.5; 0.88 vs 0; 0.05 vs 0 is right

  // lse(1,2,3) = 3.40760596444438
  const Case labels{Loss::cross_entropy, Activation::softmax, 2, 3, {1, 2, 3, 1, 2, 3}, {},
                    {0, 2}};
  CHECK_CLOSE(labels.sums(labels.z).loss, 2.40760596444438 + 0.40760596444438, 1e-7, 0);
  CHECK_CLOSE(labels.mean(labels.z), (2.40760596444438 + 0.40760596444438) / 2, 1e-7, 0);
  CHECK(labels.sums(labels.z).correct == 1);

  const Case dense{Loss::cross_entropy, Activation::softmax, 1, 3, {1, 2, 3}, {0.25f, 0, 0.75f},
                   {}};
  CHECK_CLOSE(dense.sums(dense.z).loss, 0.25 * 2.40760596444438 + 0.75 * 0.40760596444438, 1e-7,
              0);
  CHECK(dense.sums(dense.z).correct == 1);

  // ε = 0.3 over 3 classes: q = 0.7·y + 0.1; row terms Σ_j q_j·(lse − z_j).
  Case smoothed{Loss::cross_entropy, Activation::softmax, 1, 3, {1, 2, 3}, {}, {0}};
  smoothed.parameters.label_smoothing = 0.3;
  CHECK_CLOSE(smoothed.sums(smoothed.z).loss,
              0.8 * 2.40760596444438 + 0.1 * 1.40760596444438 + 0.1 * 0.40760596444438, 1e-7, 0);

  // errors 0.5, −2, 0 with delta 1: 0.125 + (2 − 0.5) + 0
  Case huber{Loss::huber, Activation::linear, 1, 3, {0.5f, -1, 2}, {0, 1, 2}, {}};
  CHECK_CLOSE(huber.sums(huber.z).loss, 0.125 + 1.5, 1e-12, 0);
  huber.parameters.delta = 3;
  CHECK_CLOSE(huber.sums(huber.z).loss, 0.125 + 2, 1e-12, 0);
  const Case mae{Loss::mae, Activation::linear, 1, 3, {0.5f, -1, 2}, {0, 1, 2}, {}};
  CHECK_CLOSE(mae.sums(mae.z).loss, 2.5, 1e-12, 0);
  const std::vector<float> g = mae.gradient();  // sign(e)/3, sign(0) = 0
  CHECK(g[0] == float(1.0 / 3) && g[1] == -float(1.0 / 3) && g[2] == 0);
}

void correct_counts_break_ties_on_the_first_max() {
  const Case dense{Loss::cross_entropy, Activation::softmax, 2, 3, {2, 2, 0, 0, 5, 5},
                   {1, 1, 0, 0, 0, 1}, {}};
  CHECK(dense.sums(dense.z).correct == 1);  // row 0: 0 == 0; row 1: 1 != 2
  const Case labels{Loss::cross_entropy, Activation::softmax, 2, 3, {2, 2, 0, 0, 5, 5}, {},
                    {1, 1}};
  CHECK(labels.sums(labels.z).correct == 1);
}

void extreme_logits_stay_finite() {
  const Case bce{Loss::binary_cross_entropy, Activation::sigmoid, 1, 4, {1000, -1000, 1000, -1000},
                 {0, 1, 1, 0}, {}};
  CHECK_CLOSE(bce.sums(bce.z).loss, 2000, 1e-12, 0);
  CHECK(bce.sums(bce.z).correct == 2);
  const Case ce{Loss::cross_entropy, Activation::softmax, 2, 3, {1000, -1000, 0, -1000, 1000, 1000},
                {}, {1, 2}};
  CHECK_CLOSE(ce.sums(ce.z).loss, 2000 + std::log(2.0), 1e-12, 0);
  for (const Case* c : {&bce, &ce})
    for (float g : c->gradient()) CHECK(std::isfinite(g));
  const std::vector<float> g = ce.gradient();
  CHECK_CLOSE(g[0], 0.5, 1e-7, 0);   // (1 − 0)/2
  CHECK_CLOSE(g[1], -0.5, 1e-7, 0);  // (0 − 1)/2
}

void gradients_match_central_differences() {
  const std::vector<Case> cases = {
      {Loss::mse, Activation::linear, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, -1, 0.2f, 0.3f}, {}},
      {Loss::mse, Activation::tanh, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, -1, 0.2f, 0.3f}, {}},
      {Loss::mse, Activation::softmax, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0, 0.2f, 0.2f, 0.6f}, {}},
      {Loss::binary_cross_entropy, Activation::sigmoid, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -4},
       {0, 1, 1, 0.25f, 0, 1}, {}},
      {Loss::cross_entropy, Activation::softmax, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f}, {},
       {2, 1}},
      // Targets that do not sum to 1: the gradient is still exact.
      {Loss::cross_entropy, Activation::softmax, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, 0.2f, 0, 0.3f}, {}},
      {Loss::cross_entropy, Activation::softmax, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f}, {},
       {2, 1}, {0.15, 1}},
      {Loss::cross_entropy, Activation::softmax, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, 0.2f, 0, 0.3f}, {}, {0.4, 1}},
      {Loss::huber, Activation::tanh, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, -1, 0.2f, 0.3f}, {}, {0, 0.5}},
      {Loss::mae, Activation::sigmoid, 2, 3, {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.4f},
       {0, 1, 0.5f, -1, 0.2f, 0.3f}, {}},
  };
  const float h = 1e-2f;
  for (const Case& c : cases) {
    const std::vector<float> g = c.gradient();
    for (std::size_t i = 0; i < c.z.size(); ++i) {
      std::vector<float> up = c.z, down = c.z;
      up[i] += h;
      down[i] -= h;
      const double numeric = (c.mean(up) - c.mean(down)) / (double(up[i]) - double(down[i]));
      CHECK_CLOSE(g[i], numeric, 1e-3, 1e-4);
    }
  }
}

void helpers() {
  CHECK(backprop::loss_terms(Loss::mse, 4, 3) == 12);
  CHECK(backprop::loss_terms(Loss::binary_cross_entropy, 4, 3) == 12);
  CHECK(backprop::loss_terms(Loss::cross_entropy, 4, 3) == 4);
  const float dense[6] = {};
  const std::int32_t labels[2] = {};
  CHECK(backprop::target_rows({dense, nullptr}, 1, 3).dense == dense + 3);
  CHECK(backprop::target_rows({nullptr, labels}, 1, 3).labels == labels + 1);
}

}  // namespace

int main() {
  hand_values();
  correct_counts_break_ties_on_the_first_max();
  extreme_logits_stay_finite();
  gradients_match_central_differences();
  helpers();
  return backprop_test::failures();
}
