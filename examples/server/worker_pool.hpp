// A bounded pool of worker threads for blocking libwave calls (Redis, MongoDB, the app
// endpoint, bcrypt).  Jobs past the in-flight limit are refused at once (the caller answers
// 503 / "overloaded"), never queued without bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace wave_server {

class WorkerPool {
 public:
  // `nice_increment` > 0 lowers the threads' CPU priority (Linux: per thread), so bcrypt
  // cannot starve the I/O threads.  `in_flight` and `rejected` are the metrics' counters.
  WorkerPool(int threads, std::int64_t limit, int nice_increment, std::atomic<std::int64_t>& in_flight,
             std::atomic<std::uint64_t>& rejected);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on a worker thread; false (and counted) when the pool is at its limit or
  // no longer accepts work.
  bool try_submit(std::function<void()> job);
  // Refuse new jobs from now on; jobs already accepted still run.
  void stop_accepting() { accepting_.store(false); }
  std::int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Waits for the accepted jobs and ends the threads.
  void join();

 private:
  std::int64_t limit_;
  std::atomic<std::int64_t>& in_flight_;
  std::atomic<std::uint64_t>& rejected_;
  std::atomic<bool> accepting_{true};
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace wave_server
