// A minimal test harness: CHECK records failures, main() of each test file
// returns failures() so ctest sees a non-zero exit.
#pragma once

#include <cmath>
#include <cstdio>

namespace backprop_test {

inline int& failure_count() {
  static int count = 0;
  return count;
}

inline int failures() {
  if (failure_count() == 0) std::printf("all checks passed\n");
  return failure_count() == 0 ? 0 : 1;
}

inline bool close(double actual, double expected, double rel, double abs) {
  return std::fabs(actual - expected) <= abs + rel * std::fabs(expected);
}

}  // namespace backprop_test

#define CHECK(condition)                                                      \
  do {                                                                        \
    if (!(condition)) {                                                       \
      ++backprop_test::failure_count();                                       \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
    }                                                                         \
  } while (0)

#define CHECK_CLOSE(actual, expected, rel, abs)                               \
  do {                                                                        \
    const double actual_value = (actual), expected_value = (expected);       \
    if (!backprop_test::close(actual_value, expected_value, (rel), (abs))) {  \
      ++backprop_test::failure_count();                                       \
      std::fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g\n", __FILE__, __LINE__, #actual, \
                   actual_value, expected_value);                             \
      }                                                                       \
  } while (0)
