// wave-server's listener: accepts connections on one address and starts a session for each.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "shared_state.hpp"

namespace wave_server::server_detail {

// Accepts connections on one address, on its own strand; each socket gets a strand of its
// own.  Accept errors never spin (a timer backs off) and never stop accepting for good.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& context, Shared& shared)
      : context_(context), shared_(shared), acceptor_(net::make_strand(context)), backoff_(acceptor_.get_executor()) {}

  tcp::endpoint open(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    return acceptor_.local_endpoint();
  }

  void start() { net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::accept, this->shared_from_this())); }

  void stop() {
    net::post(acceptor_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_.cancel();
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(context_), beast::bind_front_handler(&Listener::on_accept, this->shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  net::io_context& context_;
  Shared& shared_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
};


}  // namespace wave_server::server_detail
