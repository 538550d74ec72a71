// Activations: hand values, derivatives against central differences run in
// double through the same kernels, float agreeing with double, and softmax
// staying finite at extreme logits.
#include <cmath>
#include <vector>

#include "activations.h"
#include "check.h"

using backprop::Activation;

namespace {

const Activation kElementWise[] = {Activation::linear, Activation::sigmoid, Activation::tanh,
                                   Activation::relu,   Activation::leaky_relu,
                                   Activation::elu,    Activation::gelu};

double forward_one(Activation act, double z) {
  double a = 0;
  backprop::activate(act, &z, &a, 1, 1);
  return a;
}

double derivative_one(Activation act, double z) {
  double a = forward_one(act, z), delta = 1;
  backprop::multiply_by_derivative(act, &z, &a, &delta, 1, 1);
  return delta;
}

void hand_values() {
  CHECK_CLOSE(forward_one(Activation::linear, -1.5), -1.5, 0, 0);
  CHECK_CLOSE(forward_one(Activation::sigmoid, 0), 0.5, 1e-15, 0);
  CHECK_CLOSE(forward_one(Activation::sigmoid, 2), 0.8807970779778823, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::sigmoid, -2), 0.11920292202211755, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::tanh, 1), 0.7615941559557649, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::relu, -1), 0, 0, 0);
  CHECK_CLOSE(forward_one(Activation::relu, 1.25), 1.25, 0, 0);
  CHECK_CLOSE(forward_one(Activation::leaky_relu, -2), -0.02, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::elu, -1), -0.6321205588285577, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::elu, 3), 3, 0, 0);
  CHECK_CLOSE(forward_one(Activation::gelu, 1), 0.8413447460685429, 1e-14, 0);
  CHECK_CLOSE(forward_one(Activation::gelu, -1), -0.15865525393145707, 1e-14, 0);
  // Conventions at the kink: relu' (0) = 0, leakyRelu'(0) = 0.01.
  CHECK_CLOSE(derivative_one(Activation::relu, 0), 0, 0, 0);
  CHECK_CLOSE(derivative_one(Activation::leaky_relu, 0), 0.01, 1e-15, 0);

  const double z[] = {1, 2, 3};
  double s[3];
  backprop::activate(Activation::softmax, z, s, 1, 3);
  CHECK_CLOSE(s[0], 0.09003057317038046, 1e-14, 0);
  CHECK_CLOSE(s[1], 0.24472847105479764, 1e-14, 0);
  CHECK_CLOSE(s[2], 0.6652409557748219, 1e-14, 0);
}

// Grid avoids 0, where relu and leakyRelu have no derivative.
void derivatives_match_central_differences() {
  const double h = 1e-5;
  for (Activation act : kElementWise) {
    for (double z = -4.07; z < 4; z += 0.29) {
      const double numeric = (forward_one(act, z + h) - forward_one(act, z - h)) / (2 * h);
      CHECK_CLOSE(derivative_one(act, z), numeric, 1e-7, 1e-9);
    }
  }
}

// d/dz_i of Σ_j w_j·softmax(z)_j, per row, against the Jacobian product.
void softmax_jacobian_matches_central_differences() {
  const std::size_t rows = 2, units = 4;
  std::vector<double> z = {0.3, -1.2, 2.0, 0.7, -0.5, 0.1, 0.0, 1.4};
  const std::vector<double> w = {1.0, -2.0, 0.5, 3.0, 0.25, 1.5, -1.0, 2.0};
  std::vector<double> s(z.size()), delta = w;
  backprop::activate(Activation::softmax, z.data(), s.data(), rows, units);
  backprop::multiply_by_derivative(Activation::softmax, z.data(), s.data(), delta.data(), rows,
                                   units);
  auto weighted = [&](const std::vector<double>& logits) {
    std::vector<double> out(logits.size());
    backprop::activate(Activation::softmax, logits.data(), out.data(), rows, units);
    double sum = 0;
    for (std::size_t i = 0; i < out.size(); ++i) sum += w[i] * out[i];
    return sum;
  };
  const double h = 1e-6;
  for (std::size_t i = 0; i < z.size(); ++i) {
    std::vector<double> up = z, down = z;
    up[i] += h;
    down[i] -= h;
    CHECK_CLOSE(delta[i], (weighted(up) - weighted(down)) / (2 * h), 1e-7, 1e-9);
  }
}

void float_agrees_with_double() {
  for (Activation act : kElementWise) {
    std::vector<float> zf, af, df;
    std::vector<double> zd, ad, dd;
    for (double z = -6.1; z < 6; z += 0.23) {
      zf.push_back(float(z));
      zd.push_back(double(float(z)));
    }
    af.resize(zf.size());
    ad.resize(zd.size());
    df.assign(zf.size(), 0.75f);
    dd.assign(zd.size(), 0.75);
    backprop::activate(act, zf.data(), af.data(), 1, zf.size());
    backprop::activate(act, zd.data(), ad.data(), 1, zd.size());
    backprop::multiply_by_derivative(act, zf.data(), af.data(), df.data(), 1, zf.size());
    backprop::multiply_by_derivative(act, zd.data(), ad.data(), dd.data(), 1, zd.size());
    for (std::size_t i = 0; i < zf.size(); ++i) {
      CHECK_CLOSE(af[i], ad[i], 1e-6, 1e-7);
      CHECK_CLOSE(df[i], dd[i], 1e-5, 1e-6);
    }
  }
}

void in_place_forward() {
  float z[] = {-1.0f, 0.5f, 2.0f};
  backprop::activate(Activation::relu, z, z, 1, 3);
  CHECK(z[0] == 0.0f && z[1] == 0.5f && z[2] == 2.0f);
}

void extremes_stay_finite() {
  const float z[] = {1000.0f, -1000.0f, 0.0f, -88.0f, 88.0f, 100.0f};
  float a[6];
  backprop::activate(Activation::softmax, z, a, 2, 3);
  for (float v : a) CHECK(std::isfinite(v));
  CHECK_CLOSE(a[0], 1, 0, 0);
  CHECK_CLOSE(a[1] + a[2], 0, 0, 0);
  CHECK_CLOSE(a[3] + a[4] + a[5], 1, 1e-6, 0);
  backprop::activate(Activation::sigmoid, z, a, 1, 6);
  CHECK_CLOSE(a[0], 1, 0, 0);
  CHECK_CLOSE(a[1], 0, 0, 0);
  for (float v : a) CHECK(std::isfinite(v));
  for (Activation act : kElementWise) {
    backprop::activate(act, z, a, 1, 6);
    float delta[6] = {1, 1, 1, 1, 1, 1};
    backprop::multiply_by_derivative(act, z, a, delta, 1, 6);
    for (int i = 0; i < 6; ++i) CHECK(std::isfinite(a[i]) && std::isfinite(delta[i]));
  }
}

}  // namespace

int main() {
  hand_values();
  derivatives_match_central_differences();
  softmax_jacobian_matches_central_differences();
  float_agrees_with_double();
  in_place_forward();
  extremes_stay_finite();
  return backprop_test::failures();
}
