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

}  // namespace backprop
