// Flush-to-zero for the duration of one call into the core.
#pragma once

namespace backprop {

// Sets FTZ and DAZ on the calling thread and restores the previous control
// word on destruction. Why: ReLU units that die under momentum leave their
// weights and optimizer moments decaying geometrically into denormals, and
// every arithmetic operation on a denormal takes a microcode assist — we saw
// training throughput halve. Restoring matters because the caller may be
// Node's main thread, where JavaScript needs IEEE gradual underflow.
// On non-x86 targets this is a no-op.
class DenormalsFlushedToZero {
 public:
  DenormalsFlushedToZero();
  ~DenormalsFlushedToZero();
  DenormalsFlushedToZero(const DenormalsFlushedToZero&) = delete;
  DenormalsFlushedToZero& operator=(const DenormalsFlushedToZero&) = delete;

 private:
  unsigned saved_;
};

}  // namespace backprop
