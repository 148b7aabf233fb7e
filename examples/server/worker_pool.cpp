#include "worker_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

namespace wave_server {

WorkerPool::WorkerPool(int threads, std::int64_t limit, int nice_increment, std::atomic<std::int64_t>& in_flight,
                       std::atomic<std::uint64_t>& rejected)
    : limit_(limit), in_flight_(in_flight), rejected_(rejected), context_(1), work_(context_.get_executor()) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice_increment] {
      if (nice_increment > 0) {
        // Linux applies nice values per thread (a tid is a valid PRIO_PROCESS target).
        const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
        (void)::setpriority(PRIO_PROCESS, tid, ::getpriority(PRIO_PROCESS, tid) + nice_increment);
      }
      context_.run();
    });
  }
}

WorkerPool::~WorkerPool() { join(); }

bool WorkerPool::try_submit(std::function<void()> job) {
  if (!accepting_.load()) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (in_flight_.fetch_add(1) >= limit_) {
    in_flight_.fetch_sub(1);
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  boost::asio::post(context_, [this, job = std::move(job)] {
    job();
    in_flight_.fetch_sub(1);
  });
  return true;
}

void WorkerPool::join() {
  accepting_.store(false);
  work_.reset();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

}  // namespace wave_server
