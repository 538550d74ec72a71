// The temporary files this environment's saves are writing now. A save in a
// worker thread that is terminated never runs its own cleanup (no JS runs in
// a terminated worker), but the environment's teardown destroys this set, and
// with it those files.
#pragma once

#include <mutex>
#include <set>
#include <string>

namespace backprop_binding {

class TemporaryFiles {
 public:
  TemporaryFiles() = default;
  TemporaryFiles(const TemporaryFiles&) = delete;
  TemporaryFiles& operator=(const TemporaryFiles&) = delete;
  // Removes every file still tracked.
  ~TemporaryFiles();

  void track(const std::string& path);
  void untrack(const std::string& path);

 private:
  std::mutex lock_;
  std::set<std::string> paths_;
};

}  // namespace backprop_binding
