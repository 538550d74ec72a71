#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "float_env.h"

namespace backprop {

namespace {

struct Job {
  void (*fn)(void*, std::size_t) = nullptr;
  void* context = nullptr;
  std::size_t tasks = 0;
};

}  // namespace

// Workers sleep on `wake` until `generation` changes, then take task indices
// from the shared counter until none is left. The caller takes indices too,
// then sleeps on `done` until every worker has left the job. Which thread
// runs a task is a matter of timing; what a task computes is not.
struct ThreadPool::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::vector<std::thread> workers;
  std::atomic<bool> busy{false};
  bool stopping = false;
  std::uint64_t generation = 0;
  unsigned working = 0;
  Job job;
  std::atomic<std::size_t> next_task{0};
  std::exception_ptr failure;

  // Runs tasks until the counter passes the end; keeps the first exception.
  void drain(const Job& current) {
    for (;;) {
      const std::size_t task = next_task.fetch_add(1, std::memory_order_relaxed);
      if (task >= current.tasks) return;
      try {
        current.fn(current.context, task);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  }

  void worker_loop() {
    const DenormalsFlushedToZero flush;
    std::uint64_t seen = 0;
    for (;;) {
      Job current;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
        current = job;
      }
      drain(current);
      std::lock_guard<std::mutex> lock(mutex);
      if (--working == 0) done.notify_one();
    }
  }
};

ThreadPool::ThreadPool(unsigned threads) : state_(new State) {
  const unsigned workers = threads > 1 ? threads - 1 : 0;
  state_->workers.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) {
    state_->workers.emplace_back([state = state_] { state->worker_loop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  for (std::thread& worker : state_->workers) worker.join();
  delete state_;
}

unsigned ThreadPool::size() const { return static_cast<unsigned>(state_->workers.size()) + 1; }

void ThreadPool::run(std::size_t tasks, void (*fn)(void* context, std::size_t task), void* context) {
  if (tasks == 0) return;
  const DenormalsFlushedToZero flush;
  State& s = *state_;
  const bool alone = s.workers.empty() || tasks == 1 || s.busy.exchange(true, std::memory_order_acquire);
  if (alone) {
    for (std::size_t task = 0; task < tasks; ++task) fn(context, task);
    return;
  }
  const Job current{fn, context, tasks};
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.job = current;
    s.next_task.store(0, std::memory_order_relaxed);
    s.working = static_cast<unsigned>(s.workers.size());
    s.failure = nullptr;
    ++s.generation;
  }
  s.wake.notify_all();
  s.drain(current);
  std::exception_ptr failure;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.done.wait(lock, [&] { return s.working == 0; });
    failure = s.failure;
  }
  s.busy.store(false, std::memory_order_release);
  if (failure) std::rethrow_exception(failure);
}

namespace {

unsigned threads_from_environment() {
  const unsigned hardware = std::thread::hardware_concurrency();
  const unsigned fallback = hardware > 0 ? hardware : 1;
  const char* text = std::getenv("BACKPROP_THREADS");
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 1 || value > 256) return fallback;
  return static_cast<unsigned>(value);
}

}  // namespace

ThreadPool& default_pool() {
  static ThreadPool pool(threads_from_environment());
  return pool;
}

}  // namespace backprop
