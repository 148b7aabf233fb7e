#include "listener.hpp"

#include "session.hpp"

namespace wave_server::server_detail {

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    const bool exhausted = ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
                           ec == net::error::no_memory ||
                           ec == boost::system::errc::too_many_files_open_in_system;
    if (shared_.logger.enabled(LogLevel::warning))
      shared_.logger.write(LogLine(LogLevel::warning, "accept failed").field("error", ec.message()));
    backoff_.expires_after(exhausted ? kAcceptBackoffExhausted : kAcceptBackoffOther);
    backoff_.async_wait([self = this->shared_from_this()](beast::error_code wait_error) {
      if (!wait_error && self->acceptor_.is_open()) self->accept();
    });
    return;
  }
  if (shared_.metrics.connections_active.load() >= shared_.settings.max_connections || shared_.draining.load()) {
    shared_.metrics.connections_refused.fetch_add(1);
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (shared_.tls)
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_, std::move(socket), *shared_.tls)->start();
    else
      std::make_shared<Session<beast::tcp_stream>>(shared_, std::move(socket))->start();
  }
  accept();
}

}  // namespace wave_server::server_detail
