// The core's own small pool of worker threads.
#pragma once

#include <cstddef>
#include <string>

namespace backprop {

class ThreadPool {
 public:
  // `threads` counts the calling thread: ThreadPool(1) starts no worker.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const;

  // Runs fn(context, t) for every t in [0, tasks) and returns when all are
  // done; the caller works too. Safe to call from several threads at once: a
  // call that finds the pool busy runs its tasks on its own thread. Tasks run
  // with flush-to-zero and denormals-are-zero set, on the workers and on the
  // caller (whose own setting is restored on return), so a task computes the
  // same bits whichever thread takes it. The first exception a task throws
  // is rethrown to the caller once every task has finished.
  void run(std::size_t tasks, void (*fn)(void* context, std::size_t task), void* context);

  template <class Fn>
  void for_each(std::size_t tasks, Fn& fn) {
    run(tasks, [](void* context, std::size_t task) { (*static_cast<Fn*>(context))(task); }, &fn);
  }

 private:
  struct State;
  State* state_;
};

// BACKPROP_THREADS, read once: its thread count (1…256), or the machine's
// hardware threads when unset; `error` says why a set value cannot be used
// (the addon then refuses to run rather than guess).
struct ThreadsSetting {
  unsigned threads = 1;
  std::string error;
};
const ThreadsSetting& threads_setting();

// The process-wide pool of threads_setting().threads threads, created on
// first use.
ThreadPool& default_pool();

}  // namespace backprop
