#include "thread_pool.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "float_env.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace backprop {

namespace {

struct Job {
  void (*fn)(void*, std::size_t) = nullptr;
  void* context = nullptr;
  std::size_t tasks = 0;
};

// How long a thread spins for what it waits for (a worker: the next job; the
// caller: its job's last task) before it sleeps on a condition variable. A
// training step hands the pool a job every few tens to hundreds of
// microseconds, and waking a sleeping thread costs a futex call and, in a
// virtual machine whose idle vCPU has halted, tens of microseconds more:
// more than a small product's share of work. Past this, an idle pool sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// True as soon as ready() is, false when kSpin passed first. Between short
// bursts of polling the thread yields its core, so a thread the OS wants to
// run there (the event loop's, during an async fit) is not held up.
template <class Ready>
bool spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
    std::this_thread::yield();
  }
}

}  // namespace

// Workers sleep on `wake` until `generation` changes, then claim task
// indices until none is left; the caller claims them too, and returns as soon
// as every task has finished. It never waits for a worker that has not shown
// up (on a shared machine its core may be busy for a whole time slice): the
// claim word carries the job's generation next to the next index, so a worker
// that wakes late finds the job gone and claims nothing. Which thread runs a
// task is a matter of timing; what a task computes is not.
struct ThreadPool::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::vector<std::thread> workers;
  std::atomic<bool> busy{false};
  bool stopping = false;
  std::uint32_t generation = 0;
  std::atomic<std::uint32_t> published{0};  // `generation`, for spinning workers to watch without the lock
  Job job;
  std::atomic<std::uint64_t> claim{0};  // generation << 32 | next task index
  std::atomic<std::size_t> finished{0};
  std::exception_ptr failure;

  // Runs tasks of job `gen` until none is left to claim; keeps the first
  // exception for the caller.
  void run_tasks(const Job& current, std::uint32_t gen) {
    for (;;) {
      std::uint64_t word = claim.load(std::memory_order_acquire);
      do {
        if ((word >> 32) != gen || (word & 0xFFFFFFFFu) >= current.tasks) return;
      } while (!claim.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel));
      try {
        current.fn(current.context, static_cast<std::size_t>(word & 0xFFFFFFFFu));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == current.tasks) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_all();
      }
    }
  }

  void worker_loop() {
    const DenormalsFlushedToZero flush;
    std::uint32_t seen = 0;
    for (;;) {
      spin_until([&] { return published.load(std::memory_order_acquire) != seen; });
      Job current;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
        current = job;
      }
      run_tasks(current, seen);
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
  const bool alone = s.workers.empty() || tasks == 1 || tasks > 0xFFFFFFFFu ||
                     s.busy.exchange(true, std::memory_order_acquire);
  if (alone) {
    for (std::size_t task = 0; task < tasks; ++task) fn(context, task);
    return;
  }
  const Job current{fn, context, tasks};
  std::uint32_t gen = 0;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    gen = ++s.generation;
    s.job = current;
    s.failure = nullptr;
    s.finished.store(0, std::memory_order_relaxed);
    s.claim.store(static_cast<std::uint64_t>(gen) << 32, std::memory_order_release);
    s.published.store(gen, std::memory_order_release);
  }
  s.wake.notify_all();
  s.run_tasks(current, gen);
  std::exception_ptr failure;
  {
    const auto all_finished = [&] { return s.finished.load(std::memory_order_acquire) == tasks; };
    const bool finished = spin_until(all_finished);
    std::unique_lock<std::mutex> lock(s.mutex);
    if (!finished) s.done.wait(lock, all_finished);
    failure = s.failure;
  }
  s.busy.store(false, std::memory_order_release);
  if (failure) std::rethrow_exception(failure);
}

namespace {

ThreadsSetting read_threads_setting() {
  ThreadsSetting setting;
  const unsigned hardware = std::thread::hardware_concurrency();
  setting.threads = hardware > 0 ? hardware : 1;
  const char* text = std::getenv("BACKPROP_THREADS");
  if (text == nullptr || *text == '\0') return setting;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 1 || value > 256 || !std::isdigit(static_cast<unsigned char>(*text))) {
    setting.error = std::string("BACKPROP_THREADS=") + text +
                    " is not a thread count: expected an integer from 1 to 256";
    return setting;
  }
  setting.threads = static_cast<unsigned>(value);
  return setting;
}

}  // namespace

const ThreadsSetting& threads_setting() {
  static const ThreadsSetting setting = read_threads_setting();
  return setting;
}

ThreadPool& default_pool() {
  static ThreadPool pool(threads_setting().threads);
  return pool;
}

}  // namespace backprop
