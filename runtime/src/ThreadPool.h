//===- ThreadPool.h - The executor's worker threads -------------*- C++ -*-===//
//
// A fixed set of threads that run the tasks of one instruction at a time.
// The caller is worker 0 and works too. Tasks are handed out in order from
// an atomic counter; every output element is computed by exactly one task
// with the same arithmetic whatever thread runs it, so results never depend
// on the thread count. Workers know their index, for per-thread scratch.
//
//===----------------------------------------------------------------------===//

#ifndef OHMRT_THREADPOOL_H
#define OHMRT_THREADPOOL_H

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ohmrt {
namespace detail {

class ThreadPool {
public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned size() const { return unsigned(workers.size()) + 1; }

  /// Runs fn(task, worker) for every task in [0, tasks) and returns when
  /// all are done. Not reentrant: fn must not call run().
  void run(int64_t tasks, const std::function<void(int64_t, unsigned)> &fn);

  /// Calls fn(begin, end) on at most size() contiguous parts of [0, count),
  /// each of at least `grain` iterations (one part when count < 2 grain).
  template <typename Fn> void parallelFor(int64_t count, int64_t grain, Fn fn) {
    int64_t parts =
        std::min<int64_t>(size(), count / std::max<int64_t>(grain, 1));
    if (parts <= 1) {
      if (count > 0)
        fn(int64_t(0), count);
      return;
    }
    run(parts, [&](int64_t part, unsigned) {
      fn(count * part / parts, count * (part + 1) / parts);
    });
  }

private:
  void workerLoop(unsigned index);
  void drain(unsigned worker);

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  unsigned busy = 0;
  bool stopping = false;
  // The current job.
  const std::function<void(int64_t, unsigned)> *job = nullptr;
  int64_t jobTasks = 0;
  std::atomic<int64_t> nextTask{0};
};

} // namespace detail
} // namespace ohmrt

#endif // OHMRT_THREADPOOL_H
