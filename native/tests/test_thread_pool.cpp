// ThreadPool: every task exactly once, concurrent callers, a pool of one,
// exceptions reaching the caller, flush-to-zero in tasks, BACKPROP_THREADS.
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"
#include "thread_pool.h"

namespace {

// Runs `tasks` tasks and checks each ran once.
bool runs_each_once(backprop::ThreadPool& pool, std::size_t tasks) {
  std::vector<std::atomic<int>> counts(tasks);
  auto body = [&](std::size_t t) { counts[t].fetch_add(1, std::memory_order_relaxed); };
  pool.for_each(tasks, body);
  for (const auto& count : counts) {
    if (count.load() != 1) return false;
  }
  return true;
}

void test_every_task_once() {
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    backprop::ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (int repeat = 0; repeat < 200; ++repeat) {
      for (std::size_t tasks : {0u, 1u, 2u, 3u, 7u, 64u}) CHECK(runs_each_once(pool, tasks));
    }
  }
}

void test_concurrent_callers() {
  backprop::ThreadPool pool(2);
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int caller = 0; caller < 4; ++caller) {
    callers.emplace_back([&] {
      for (int repeat = 0; repeat < 300; ++repeat) {
        if (!runs_each_once(pool, 1 + repeat % 9)) bad.fetch_add(1);
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  CHECK(bad.load() == 0);
}

void test_pool_of_one_runs_on_caller() {
  backprop::ThreadPool pool(1);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  auto body = [&](std::size_t) {
    if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
  };
  pool.for_each(10, body);
  CHECK(elsewhere.load() == 0);
}

void test_exception_reaches_caller() {
  backprop::ThreadPool pool(2);
  bool caught = false;
  auto body = [&](std::size_t t) {
    if (t == 5) throw std::runtime_error("task 5");
  };
  try {
    pool.for_each(16, body);
  } catch (const std::runtime_error&) {
    caught = true;
  }
  CHECK(caught);
  CHECK(runs_each_once(pool, 16));  // still usable
}

#if defined(__x86_64__) || defined(__i386__)
void test_denormals_flushed_in_tasks() {
  backprop::ThreadPool pool(2);
  std::atomic<int> kept{0};
  auto body = [&](std::size_t) {
    volatile float tiny = 1e-39f;  // a denormal: DAZ reads it as zero
    const float product = tiny * 1.0f;
    if (product != 0.0f) kept.fetch_add(1);
  };
  pool.for_each(32, body);
  CHECK(kept.load() == 0);
}
#endif

void test_default_pool_reads_environment() {
  setenv("BACKPROP_THREADS", "3", 1);
  CHECK(backprop::default_pool().size() == 3);
  CHECK(runs_each_once(backprop::default_pool(), 100));
}

}  // namespace

int main() {
  test_every_task_once();
  test_concurrent_callers();
  test_pool_of_one_runs_on_caller();
  test_exception_reaches_caller();
#if defined(__x86_64__) || defined(__i386__)
  test_denormals_flushed_in_tasks();
#endif
  test_default_pool_reads_environment();
  return backprop_test::failures();
}
