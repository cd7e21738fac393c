//===- ThreadPool.cpp - The executor's worker threads ---------------------===//

#include "ThreadPool.h"

using namespace ohmrt::detail;

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 1; i < std::max(threads, 1u); ++i)
    workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &thread : workers)
    thread.join();
}

void ThreadPool::drain(unsigned worker) {
  for (int64_t task = nextTask++; task < jobTasks; task = nextTask++)
    (*job)(task, worker);
}

void ThreadPool::workerLoop(unsigned index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
    }
    drain(index);
    std::lock_guard<std::mutex> lock(mutex);
    if (--busy == 0)
      done.notify_one();
  }
}

void ThreadPool::run(int64_t tasks,
                     const std::function<void(int64_t, unsigned)> &fn) {
  if (tasks <= 0)
    return;
  if (workers.empty() || tasks == 1) {
    for (int64_t task = 0; task < tasks; ++task)
      fn(task, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    job = &fn;
    jobTasks = tasks;
    nextTask = 0;
    busy = unsigned(workers.size());
    ++generation;
  }
  wake.notify_all();
  drain(0);
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return busy == 0; });
  job = nullptr;
}
