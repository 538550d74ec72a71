// Activation functions over a rows × units block, forward and backward.
// Instantiated for float (the engine) and double (the tests' finite
// differences run the very same code in double precision).
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace backprop {

// a = act(z), row-wise for softmax (computed stably: the row max is
// subtracted). a may equal z (in place); for linear with a != z it copies.
template <class T>
void activate(Activation act, const T* z, T* a, std::size_t rows, std::size_t units);

// On entry delta = dL/dA, on return dL/dZ: delta ⊙ act'(z), or for softmax
// the Jacobian-vector product s ⊙ (delta − Σ delta·s) per row. Needs both
// the stored pre-activation z and output a (each function reads whichever
// gives the derivative most cheaply); they must not overlap delta.
template <class T>
void multiply_by_derivative(Activation act, const T* z, const T* a, T* delta, std::size_t rows,
                            std::size_t units);

// sums[j] = Σ_r delta[r·units + j], the rows added in order (a bias gradient).
template <class T>
void sum_columns(const T* delta, std::size_t rows, std::size_t units, T* sums);

// multiply_by_derivative, and in the same pass over delta the column sums of
// the result into sums (units values, overwritten; rows added in order, as
// a separate pass would add them): the bias gradient of the layer.
template <class T>
void multiply_by_derivative_summing_columns(Activation act, const T* z, const T* a, T* delta,
                                            std::size_t rows, std::size_t units, T* sums);

}  // namespace backprop
