#include "temporary_files.h"

#include <cstdio>

namespace backprop_binding {

TemporaryFiles::~TemporaryFiles() {
  for (const std::string& path : paths_) std::remove(path.c_str());
}

void TemporaryFiles::track(const std::string& path) {
  std::lock_guard<std::mutex> guard(lock_);
  paths_.insert(path);
}

void TemporaryFiles::untrack(const std::string& path) {
  std::lock_guard<std::mutex> guard(lock_);
  paths_.erase(path);
}

}  // namespace backprop_binding
