/* epoll HTTPS server with worker threads, and a blocking client; see brski/server.h. */
#include "brski/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "brski/log.h"

#define IN_CAP 16384u
#define MAX_WORKERS 64u
#define TICK_MS 100
#define DRAIN_MS 2000            /* longest lingering close */
#define DRAIN_MAX (256u * 1024u) /* most bytes dropped while lingering */
#define IDLE_RELEASE_MS 1000     /* a worker idle this long gives back its caches */

typedef enum conn_state {
    CONN_HANDSHAKE,
    CONN_READ,
    CONN_WORK,
    CONN_WRITE,
    CONN_DRAIN, /* response sent, write side shut: read and drop until EOF */
} conn_state;

/* One request and its response. */
typedef struct exchange {
    brski_http_msg req;
    brski_http_msg resp;
} exchange;

typedef struct conn {
    struct brski_server *srv;
    int fd;
    size_t slot;
    brski_tls_conn *tls;
    conn_state state;
    uint32_t events;     /* current epoll interest */
    bool in_epoll;       /* registered (not while a worker has it: no HUP spinning) */
    int64_t deadline_ms; /* monotonic; 0 = none */
    int64_t start_ms;    /* start of the current request */
    /*
     * An idle keep-alive connection holds none of the request state: |in|
     * (IN_CAP bytes) exists while bytes wait for the parser, |parser| from
     * the first byte of a request, |x| from its end until the response is
     * sent, |out| while the response is written.
     */
    uint8_t *in;
    size_t in_len;
    brski_http_parser *parser;
    const brski_route *route;
    brski_http_peer peer;
    brski_buf chain;
    struct exchange *x;
    bool have_req;
    bool hs_job;          /* queued or running: a handshake step, not a handler */
    brski_tls_io hs_io;   /* result of that step */
    brski_err hs_chain;   /* peer chain copy after a completed handshake */
    bool close_after;
    bool head;
    brski_buf out;
    size_t out_off;
    size_t drained;
    struct conn *next; /* work or done queue */
} conn;

struct brski_server {
    brski_server_config cfg;
    int lfd;
    int epfd;
    int wake[2]; /* self-pipe: stop requests and finished work */
    uint16_t port;
    atomic_int stop;
    bool accept_paused; /* out of file descriptors: listen fd out of epoll */
    conn **conns;
    size_t n_open;
    pthread_t threads[MAX_WORKERS];
    unsigned n_threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    conn *work_head, *work_tail;
    conn *done_head;
    bool quit;
    brski_server_stats stats;
};

static char listen_tag, wake_tag;

/* Counters are read by other threads (brski_server_get_stats()). */
static void stat_add(struct brski_server *srv, uint64_t *counter)
{
    pthread_mutex_lock(&srv->mu);
    (*counter)++;
    srv->stats.open = (unsigned)srv->n_open;
    pthread_mutex_unlock(&srv->mu);
}
static brski_server *signal_server;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void brski_server_config_default(brski_server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = "127.0.0.1";
    cfg->workers = 2;
    cfg->max_conns = 256;
    cfg->read_timeout_ms = 15000;
    cfg->max_header = BRSKI_HTTP_MAX_HEADER;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* --- connection I/O, TLS or plain --- */

static brski_tls_io conn_read(conn *c, uint8_t *p, size_t cap, size_t *n)
{
    ssize_t r;

    if (c->tls != NULL) {
        return brski_tls_read(c->tls, p, cap, n);
    }
    *n = 0;
    r = read(c->fd, p, cap);
    if (r > 0) {
        *n = (size_t)r;
        return BRSKI_TLS_IO_OK;
    }
    if (r == 0) {
        return BRSKI_TLS_IO_CLOSED;
    }
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? BRSKI_TLS_IO_WANT_READ
                                                                       : BRSKI_TLS_IO_ERROR;
}

static brski_tls_io conn_write(conn *c, const uint8_t *p, size_t len, size_t *n)
{
    ssize_t r;

    if (c->tls != NULL) {
        return brski_tls_write(c->tls, p, len, n);
    }
    *n = 0;
    r = send(c->fd, p, len, MSG_NOSIGNAL);
    if (r >= 0) {
        *n = (size_t)r;
        return BRSKI_TLS_IO_OK;
    }
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? BRSKI_TLS_IO_WANT_WRITE
                                                                       : BRSKI_TLS_IO_ERROR;
}

/* --- routing at the end of the request head (loop thread) --- */

static size_t route_limit(void *ctx, const brski_http_msg *head, int *status)
{
    conn *c = ctx;
    const brski_route *r;

    r = brski_http_route_find(c->srv->cfg.routes, c->srv->cfg.n_routes, head->method, head->path,
                              head->ctype, status);
    c->route = r;
    if (r == NULL) {
        return 0;
    }
    if (r->need_peer_cert && c->peer.n_certs == 0) {
        /* RFC 8995 §5.3: the registrar authenticates the pledge by its IDevID. */
        *status = 401;
        c->route = NULL;
        return 0;
    }
    return r->max_body;
}

static void exchange_free(conn *c)
{
    if (c->x != NULL) {
        brski_http_msg_clear(&c->x->req);
        brski_http_msg_clear(&c->x->resp);
        free(c->x);
        c->x = NULL;
    }
}

/* The parser exists from the first byte of a request; false when out of memory. */
static bool conn_parser(conn *c)
{
    brski_http_limits lim;

    if (c->parser != NULL) {
        return true;
    }
    brski_http_limits_default(&lim);
    lim.max_header = c->srv->cfg.max_header;
    lim.limit_fn = route_limit;
    lim.limit_ctx = c;
    c->parser = brski_http_parser_new(BRSKI_HTTP_REQUEST, &lim);
    return c->parser != NULL;
}

static bool conn_busy(const conn *c)
{
    return c->parser != NULL && brski_http_parser_busy(c->parser);
}

static void conn_free(conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->tls != NULL) {
        brski_tls_conn_free(c->tls);
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    brski_http_parser_free(c->parser);
    exchange_free(c);
    free(c->in);
    brski_buf_clear(&c->out);
    brski_buf_clear(&c->chain);
    free(c);
}

static void conn_close(brski_server *srv, conn *c, const char *why)
{
    if (why != NULL) {
        brski_log(BRSKI_LOG_DEBUG, "http: %s: closing (%s)", c->peer.addr, why);
    }
    (void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    srv->conns[c->slot] = NULL;
    srv->n_open--;
    if (srv->accept_paused) {
        struct epoll_event e;
        memset(&e, 0, sizeof(e));
        e.events = EPOLLIN;
        e.data.ptr = &listen_tag;
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &e) == 0) {
            srv->accept_paused = false;
        }
    }
    pthread_mutex_lock(&srv->mu);
    srv->stats.open = (unsigned)srv->n_open;
    pthread_mutex_unlock(&srv->mu);
    conn_free(c);
}

static int want(brski_server *srv, conn *c, uint32_t ev)
{
    struct epoll_event e;

    if (c->in_epoll && c->events == ev) {
        return 0;
    }
    memset(&e, 0, sizeof(e));
    e.events = ev;
    e.data.ptr = c;
    c->events = ev;
    if (!c->in_epoll) {
        c->in_epoll = true;
        return epoll_ctl(srv->epfd, EPOLL_CTL_ADD, c->fd, &e);
    }
    return epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void log_request(conn *c)
{
    const brski_http_msg *resp = &c->x->resp;
    int status = resp->status != 0 ? resp->status : 200;
    const char *reason = resp->reason[0] != '\0' ? resp->reason : brski_http_status_text(status);

    brski_log(BRSKI_LOG_INFO, "http: %s %s %s %d %s %lld ms", c->peer.addr,
              c->have_req ? brski_method_name(c->x->req.method) : "-",
              c->have_req ? c->x->req.path : "-", status, reason,
              (long long)(now_ms() - c->start_ms));
}

/* Builds the response bytes for c->x->resp. Runs on the loop or a worker. */
static void encode_response(conn *c)
{
    brski_http_msg *resp = &c->x->resp;

    brski_buf_reset(&c->out);
    c->out_off = 0;
    if (brski_http_response_encode(resp, !c->close_after, c->head, &c->out) != BRSKI_OK) {
        brski_http_msg_clear(resp);
        brski_http_msg_init(resp, 0);
        brski_http_msg_set_error(resp, 500, "response too large");
        brski_buf_reset(&c->out);
        c->close_after = true;
        if (brski_http_response_encode(resp, false, c->head, &c->out) != BRSKI_OK) {
            brski_buf_reset(&c->out); /* nothing sensible to send: just close */
        }
    }
}

static void set_error_response(conn *c, int status, const char *what)
{
    brski_http_msg_clear(&c->x->resp);
    brski_http_msg_init(&c->x->resp, 0);
    brski_http_msg_set_error(&c->x->resp, status, "%s", what);
}

static const char *route_error_text(int status)
{
    switch (status) {
    case 401:
        return "client certificate required (RFC 8995 5.3)";
    case 404:
        return "no such resource";
    case 405:
        return "method not allowed for this resource";
    case 415:
        return "unsupported Content-Type for this resource";
    case 413:
        return "request body exceeds the limit";
    case 414:
        return "request target too long";
    case 431:
        return "request header fields exceed the limit";
    default:
        break;
    }
    return "malformed HTTP request";
}

static void run_handler(brski_server *srv, conn *c)
{
    brski_http_msg *resp = &c->x->resp;
    brski_err rv;

    brski_http_msg_init(resp, BRSKI_MAX_FILE);
    resp->status = 200;
    rv = c->route->fn(srv->cfg.handler_ctx, &c->peer, &c->x->req, resp);
    if (rv != BRSKI_OK) {
        int status = brski_err_http(rv);
        brski_buf_reset(&resp->body);
        resp->ctype[0] = '\0';
        resp->status = status;
        if (resp->reason[0] == '\0') {
            brski_http_msg_set_error(resp, status, "%s", brski_err_str(rv));
        }
    }
    encode_response(c);
}

/*
 * Gives back what a worker's crypto left cached: wolfCrypt's fixed-point ECC
 * tables (FP_ECC: about 0.8 MB for each of up to 15 points per thread, most of
 * them public keys of pledges seen once) and the freed pages of the malloc
 * arenas. Under load the tables stay; they are rebuilt after a pause.
 */
static void release_thread_caches(void)
{
    brski_tls_thread_cleanup();
#if defined(__GLIBC__)
    (void)malloc_trim(0);
#endif
}

/* Waits for work (srv->mu held); after IDLE_RELEASE_MS without any, releases caches once. */
static void wait_for_work(brski_server *srv, bool *dirty)
{
    while (!srv->quit && srv->work_head == NULL) {
        struct timespec ts;
        if (!*dirty) {
            pthread_cond_wait(&srv->cv, &srv->mu);
            continue;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += IDLE_RELEASE_MS / 1000;
        ts.tv_nsec += (long)(IDLE_RELEASE_MS % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&srv->cv, &srv->mu, &ts) == ETIMEDOUT && !srv->quit &&
            srv->work_head == NULL) {
            pthread_mutex_unlock(&srv->mu);
            release_thread_caches();
            pthread_mutex_lock(&srv->mu);
            *dirty = false;
        }
    }
}

static void *worker_main(void *arg)
{
    brski_server *srv = arg;
    bool dirty = false; /* ran work since the caches were last released */

    for (;;) {
        conn *c;
        char b = 'w';
        pthread_mutex_lock(&srv->mu);
        wait_for_work(srv, &dirty);
        if (srv->quit) {
            pthread_mutex_unlock(&srv->mu);
            break;
        }
        c = srv->work_head;
        srv->work_head = c->next;
        if (srv->work_head == NULL) {
            srv->work_tail = NULL;
        }
        c->next = NULL;
        pthread_mutex_unlock(&srv->mu);
        dirty = true;

        if (c->hs_job) {
            /* Handshake crypto (ECDHE, signatures) runs here, on all cores. */
            c->hs_io = brski_tls_handshake(c->tls);
            c->hs_chain = BRSKI_OK;
            if (c->hs_io == BRSKI_TLS_IO_OK) {
                c->hs_chain = brski_tls_peer_chain(c->tls, &c->peer, &c->chain);
                brski_tls_release_handshake(c->tls);
            }
        } else {
            run_handler(srv, c);
        }

        pthread_mutex_lock(&srv->mu);
        c->next = srv->done_head;
        srv->done_head = c;
        pthread_mutex_unlock(&srv->mu);
        /* A full pipe already has a pending wake-up: ignoring EAGAIN is fine. */
        (void)!write(srv->wake[1], &b, 1);
    }
    brski_tls_thread_cleanup();
    return NULL;
}

static void submit(brski_server *srv, conn *c)
{
    c->state = CONN_WORK; /* the loop leaves |c| alone until the worker is done */
    if (c->in_epoll) {
        /* Out of epoll meanwhile: a hang-up would otherwise wake the loop again and again. */
        (void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        c->in_epoll = false;
    }
    pthread_mutex_lock(&srv->mu);
    c->next = NULL;
    if (srv->work_tail != NULL) {
        srv->work_tail->next = c;
    } else {
        srv->work_head = c;
    }
    srv->work_tail = c;
    pthread_cond_signal(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
}

static void start_write(brski_server *srv, conn *c)
{
    c->state = CONN_WRITE;
    c->deadline_ms = now_ms() + (int64_t)srv->cfg.read_timeout_ms;
}

/*
 * Handles one parsed message (or framing failure) from the parser. Returns
 * false when |c| was closed (out of memory).
 */
static bool on_message(brski_server *srv, conn *c, brski_http_state st, int status)
{
    exchange_free(c);
    c->x = calloc(1, sizeof(*c->x));
    if (c->x == NULL) {
        conn_close(srv, c, "out of memory");
        return false;
    }
    brski_http_msg_init(&c->x->req, 0);
    brski_http_msg_init(&c->x->resp, 0);
    c->have_req = false;
    if (st == BRSKI_HTTP_ERROR) {
        /* Framing is lost: answer and close (TESTING.md D1). Keep the head for the log. */
        brski_http_parser_take(c->parser, &c->x->req);
        brski_http_msg_clear(&c->x->req);
        c->have_req = c->x->req.path[0] != '\0';
        c->close_after = true;
        set_error_response(c, status, route_error_text(status));
        encode_response(c);
        start_write(srv, c);
        return true;
    }
    brski_http_parser_take(c->parser, &c->x->req);
    c->have_req = true;
    c->head = c->x->req.method == BRSKI_METHOD_HEAD;
    c->close_after = !c->x->req.keep_alive;
    if (st == BRSKI_HTTP_REJECT) {
        set_error_response(c, c->x->req.status, route_error_text(c->x->req.status));
        encode_response(c);
        start_write(srv, c);
        return true;
    }
    c->deadline_ms = 0;
    submit(srv, c);
    return true;
}

static void drive(brski_server *srv, conn *c);

static void after_write(brski_server *srv, conn *c)
{
    stat_add(srv, &srv->stats.requests);
    log_request(c);
    if (c->close_after) {
        int64_t t = now_ms();
        /*
         * RFC 9112 §9.6: close in stages. Closing with unread input makes the
         * kernel send a reset, which can destroy the 413/431 response before
         * the client reads it; so shut the write side and drop input for a
         * bounded time first.
         */
        if (c->tls != NULL) {
            brski_tls_shutdown(c->tls);
        }
        (void)shutdown(c->fd, SHUT_WR);
        c->state = CONN_DRAIN;
        c->drained = 0;
        if (c->deadline_ms == 0 || c->deadline_ms > t + DRAIN_MS) {
            c->deadline_ms = t + DRAIN_MS;
        }
        (void)want(srv, c, EPOLLIN);
        drive(srv, c);
        return;
    }
    /* Keep-alive: nothing of this exchange stays allocated while the connection idles. */
    exchange_free(c);
    c->have_req = false;
    brski_buf_clear(&c->out);
    c->out_off = 0;
    brski_http_parser_free(c->parser);
    c->parser = NULL;
    c->state = CONN_READ;
    c->start_ms = now_ms();
    c->deadline_ms = c->start_ms + (int64_t)srv->cfg.read_timeout_ms;
    drive(srv, c);
}

/* Advances |c| as far as possible without blocking; may free |c|. */
static void drive(brski_server *srv, conn *c)
{
    for (;;) {
        brski_tls_io io;
        size_t n = 0;

        switch (c->state) {
        case CONN_HANDSHAKE:
            /* The socket is ready: the next handshake step goes to a worker. */
            c->hs_job = true;
            submit(srv, c);
            return;
        case CONN_READ: {
            int status = 0;
            size_t used = 0;
            brski_http_state st = BRSKI_HTTP_MORE;
            if (c->in_len > 0) {
                if (!conn_parser(c)) {
                    conn_close(srv, c, "out of memory");
                    return;
                }
                if (!brski_http_parser_busy(c->parser)) {
                    c->start_ms = now_ms();
                }
                st = brski_http_parser_feed(c->parser, c->in, c->in_len, &used, &status);
                memmove(c->in, c->in + used, c->in_len - used);
                c->in_len -= used;
            }
            if (st != BRSKI_HTTP_MORE) {
                if (!on_message(srv, c, st, status)) {
                    return;
                }
                if (c->state == CONN_WORK) {
                    return;
                }
                continue;
            }
            if (c->parser != NULL && brski_http_parser_take_continue(c->parser)) {
                /* RFC 9110 §10.1.1: curl waits for this before sending bodies over 1 KiB. */
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                io = conn_write(c, (const uint8_t *)cont, sizeof(cont) - 1, &n);
                if (io != BRSKI_TLS_IO_OK || n != sizeof(cont) - 1) {
                    conn_close(srv, c, "cannot send 100 Continue");
                    return;
                }
            }
            if (c->in == NULL) {
                c->in = malloc(IN_CAP);
                if (c->in == NULL) {
                    conn_close(srv, c, "out of memory");
                    return;
                }
            }
            io = conn_read(c, c->in + c->in_len, IN_CAP - c->in_len, &n);
            if (io == BRSKI_TLS_IO_OK) {
                c->in_len += n;
                continue;
            }
            if (io == BRSKI_TLS_IO_WANT_READ || io == BRSKI_TLS_IO_WANT_WRITE) {
                if (c->in_len == 0) {
                    /* Everything read went to the parser: no input buffer while waiting. */
                    free(c->in);
                    c->in = NULL;
                }
                (void)want(srv, c, io == BRSKI_TLS_IO_WANT_READ ? EPOLLIN : EPOLLOUT);
                return;
            }
            if (conn_busy(c)) {
                brski_log(BRSKI_LOG_INFO, "http: %s: connection closed mid-request",
                          c->peer.addr);
            }
            conn_close(srv, c, NULL);
            return;
        }
        case CONN_WRITE:
            if (c->out_off >= c->out.len) {
                after_write(srv, c);
                return;
            }
            io = conn_write(c, c->out.p + c->out_off, c->out.len - c->out_off, &n);
            if (io == BRSKI_TLS_IO_OK) {
                c->out_off += n;
                continue;
            }
            if (io == BRSKI_TLS_IO_WANT_READ || io == BRSKI_TLS_IO_WANT_WRITE) {
                (void)want(srv, c, io == BRSKI_TLS_IO_WANT_READ ? EPOLLIN : EPOLLOUT);
                return;
            }
            conn_close(srv, c, "write failed");
            return;
        case CONN_DRAIN: {
            uint8_t sink[4096];
            ssize_t r = read(c->fd, sink, sizeof(sink));
            if (r > 0 && c->drained + (size_t)r <= DRAIN_MAX) {
                c->drained += (size_t)r;
                continue;
            }
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                return;
            }
            conn_close(srv, c, NULL);
            return;
        }
        case CONN_WORK:
            return;
        }
    }
}

static void accept_all(brski_server *srv)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        struct epoll_event e;
        char host[INET6_ADDRSTRLEN] = "?";
        uint16_t port = 0;
        conn *c;
        size_t slot;
        int one = 1;
        int fd = accept(srv->lfd, (struct sockaddr *)&ss, &sl);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                stat_add(srv, &srv->stats.accept_failures);
            }
            if (errno == EMFILE || errno == ENFILE) {
                /* Level-triggered: without a pause the loop would spin until an fd frees. */
                brski_log(BRSKI_LOG_WARN, "server: out of file descriptors, pausing accept");
                (void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL);
                srv->accept_paused = true;
            }
            return;
        }
        stat_add(srv, &srv->stats.accepted);
        if (srv->n_open >= srv->cfg.max_conns) {
            /* TESTING.md D3: beyond the cap a connection is refused, not queued. */
            stat_add(srv, &srv->stats.refused);
            close(fd);
            continue;
        }
        if (set_nonblock(fd) != 0) {
            close(fd);
            continue;
        }
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->srv = srv;
        c->fd = fd;
        brski_buf_init(&c->chain, BRSKI_MAX_CHAIN);
        brski_buf_init(&c->out, BRSKI_MAX_FILE + BRSKI_HTTP_MAX_HEADER);
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)&ss;
            (void)inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)&ss;
            (void)inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
            port = ntohs(a->sin6_port);
        }
        (void)snprintf(c->peer.addr, sizeof(c->peer.addr), "%s:%u", host, (unsigned)port);
        if (srv->cfg.tls != NULL && brski_tls_conn_new(srv->cfg.tls, fd, NULL, &c->tls) !=
                                        BRSKI_OK) {
            conn_free(c);
            continue;
        }
        for (slot = 0; slot < srv->cfg.max_conns && srv->conns[slot] != NULL; slot++) {
        }
        c->slot = slot;
        srv->conns[slot] = c;
        srv->n_open++;
        pthread_mutex_lock(&srv->mu);
        srv->stats.open = (unsigned)srv->n_open;
        pthread_mutex_unlock(&srv->mu);
        c->state = srv->cfg.tls != NULL ? CONN_HANDSHAKE : CONN_READ;
        c->start_ms = now_ms();
        c->deadline_ms = c->start_ms + (int64_t)srv->cfg.read_timeout_ms;
        memset(&e, 0, sizeof(e));
        e.events = EPOLLIN;
        e.data.ptr = c;
        c->events = EPOLLIN;
        c->in_epoll = true;
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
            conn_close(srv, c, "epoll");
            continue;
        }
        if (c->tls == NULL) {
            drive(srv, c);
        }
        /* TLS: the first handshake step waits until the ClientHello is readable. */
    }
}

static void expire(brski_server *srv)
{
    int64_t t = now_ms();
    size_t i;

    for (i = 0; i < srv->cfg.max_conns; i++) {
        conn *c = srv->conns[i];
        if (c == NULL || c->state == CONN_WORK || c->deadline_ms == 0 || t < c->deadline_ms) {
            continue;
        }
        if (c->state == CONN_DRAIN) {
            conn_close(srv, c, NULL);
            continue;
        }
        stat_add(srv, &srv->stats.timeouts);
        brski_log(BRSKI_LOG_INFO, "http: %s: read timeout after %u ms in %s, closing",
                  c->peer.addr, srv->cfg.read_timeout_ms,
                  c->state == CONN_HANDSHAKE ? "handshake"
                  : c->state == CONN_WRITE   ? "write"
                  : conn_busy(c)               ? "request"
                                               : "idle");
        conn_close(srv, c, NULL);
    }
}

/* Loop side of a handshake step that ran on a worker; may free |c|. */
static void handshake_done(brski_server *srv, conn *c)
{
    brski_tls_io io = c->hs_io;

    c->hs_job = false;
    if (io == BRSKI_TLS_IO_OK) {
        if (c->hs_chain != BRSKI_OK) {
            conn_close(srv, c, "peer chain over limits");
            return;
        }
        c->state = CONN_READ;
        drive(srv, c);
        return;
    }
    if (io == BRSKI_TLS_IO_WANT_READ || io == BRSKI_TLS_IO_WANT_WRITE) {
        /* Wait for the peer; the deadline set at accept still holds. */
        c->state = CONN_HANDSHAKE;
        (void)want(srv, c, io == BRSKI_TLS_IO_WANT_READ ? EPOLLIN : EPOLLOUT);
        return;
    }
    brski_log(BRSKI_LOG_INFO, "http: %s: TLS handshake failed", c->peer.addr);
    conn_close(srv, c, NULL);
}

static void collect_done(brski_server *srv)
{
    conn *list;
    char drain[64];

    while (read(srv->wake[0], drain, sizeof(drain)) > 0) {
    }
    pthread_mutex_lock(&srv->mu);
    list = srv->done_head;
    srv->done_head = NULL;
    pthread_mutex_unlock(&srv->mu);
    while (list != NULL) {
        conn *c = list;
        list = c->next;
        c->next = NULL;
        if (c->hs_job) {
            handshake_done(srv, c);
            continue;
        }
        start_write(srv, c);
        drive(srv, c);
    }
}

brski_err brski_server_new(const brski_server_config *cfg, brski_server **out)
{
    brski_server *srv;
    struct sockaddr_in sa;
    struct epoll_event e;
    socklen_t sl = sizeof(sa);
    int one = 1;
    unsigned i;

    *out = NULL;
    if (cfg->routes == NULL || cfg->n_routes == 0 || cfg->max_conns == 0 || cfg->workers == 0 ||
        cfg->workers > MAX_WORKERS || cfg->read_timeout_ms == 0) {
        return BRSKI_ERR_ARG;
    }
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    srv->cfg = *cfg;
    if (srv->cfg.host == NULL) {
        srv->cfg.host = "127.0.0.1";
    }
    if (srv->cfg.max_header == 0) {
        srv->cfg.max_header = BRSKI_HTTP_MAX_HEADER;
    }
    srv->lfd = -1;
    srv->epfd = -1;
    srv->wake[0] = srv->wake[1] = -1;
    pthread_mutex_init(&srv->mu, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&srv->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    srv->conns = calloc(cfg->max_conns, sizeof(*srv->conns));
    if (srv->conns == NULL) {
        brski_server_free(srv);
        return BRSKI_ERR_NOMEM;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, srv->cfg.host, &sa.sin_addr) != 1) {
        brski_log(BRSKI_LOG_ERROR, "server: bad listen address %s", srv->cfg.host);
        brski_server_free(srv);
        return BRSKI_ERR_ARG;
    }
    srv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv->lfd < 0 ||
        setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(srv->lfd, (const struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(srv->lfd, 128) != 0 || set_nonblock(srv->lfd) != 0 ||
        getsockname(srv->lfd, (struct sockaddr *)&sa, &sl) != 0) {
        brski_log(BRSKI_LOG_ERROR, "server: cannot listen on %s:%u: %s", srv->cfg.host,
                  (unsigned)cfg->port, strerror(errno));
        brski_server_free(srv);
        return BRSKI_ERR_IO;
    }
    srv->port = ntohs(sa.sin_port);
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (srv->epfd < 0 || pipe(srv->wake) != 0 || set_nonblock(srv->wake[0]) != 0 ||
        set_nonblock(srv->wake[1]) != 0) {
        brski_server_free(srv);
        return BRSKI_ERR_IO;
    }
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN;
    e.data.ptr = &listen_tag;
    if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &e) != 0) {
        brski_server_free(srv);
        return BRSKI_ERR_IO;
    }
    e.data.ptr = &wake_tag;
    if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->wake[0], &e) != 0) {
        brski_server_free(srv);
        return BRSKI_ERR_IO;
    }
    for (i = 0; i < cfg->workers; i++) {
        if (pthread_create(&srv->threads[i], NULL, worker_main, srv) != 0) {
            brski_server_free(srv);
            return BRSKI_ERR_INTERNAL;
        }
        srv->n_threads++;
    }
    *out = srv;
    return BRSKI_OK;
}

uint16_t brski_server_port(const brski_server *srv)
{
    return srv->port;
}

brski_err brski_server_run(brski_server *srv)
{
    struct epoll_event evs[64];

    brski_log(BRSKI_LOG_INFO, "server: listening on %s:%u (%s, %u workers, %u connections max)",
              srv->cfg.host, (unsigned)srv->port, srv->cfg.tls != NULL ? "TLS" : "plain",
              srv->cfg.workers, srv->cfg.max_conns);
    while (atomic_load(&srv->stop) == 0) {
        int n = epoll_wait(srv->epfd, evs, 64, TICK_MS);
        int i;
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return BRSKI_ERR_IO;
        }
        for (i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &listen_tag) {
                accept_all(srv);
            } else if (tag == &wake_tag) {
                collect_done(srv);
            } else {
                conn *c = tag;
                if (c->state != CONN_WORK) {
                    drive(srv, c);
                }
            }
        }
        expire(srv);
    }
    brski_tls_thread_cleanup();
    brski_log(BRSKI_LOG_INFO, "server: stopping (%llu requests served)",
              (unsigned long long)srv->stats.requests);
    return BRSKI_OK;
}

void brski_server_stop(brski_server *srv)
{
    char b = 's';
    atomic_store(&srv->stop, 1);
    (void)!write(srv->wake[1], &b, 1);
}

static void on_signal(int sig)
{
    (void)sig;
    if (signal_server != NULL) {
        brski_server_stop(signal_server);
    }
}

brski_err brski_server_install_signals(brski_server *srv)
{
    struct sigaction sa;

    signal_server = srv;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        return BRSKI_ERR_INTERNAL;
    }
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
    return BRSKI_OK;
}

void brski_server_get_stats(brski_server *srv, brski_server_stats *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->stats;
    pthread_mutex_unlock(&srv->mu);
}

void brski_server_free(brski_server *srv)
{
    unsigned i;

    if (srv == NULL) {
        return;
    }
    pthread_mutex_lock(&srv->mu);
    srv->quit = true;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    for (i = 0; i < srv->n_threads; i++) {
        pthread_join(srv->threads[i], NULL);
    }
    if (signal_server == srv) {
        signal_server = NULL;
    }
    if (srv->conns != NULL) {
        for (i = 0; i < srv->cfg.max_conns; i++) {
            conn_free(srv->conns[i]);
        }
        free(srv->conns);
    }
    if (srv->lfd >= 0) {
        close(srv->lfd);
    }
    if (srv->epfd >= 0) {
        close(srv->epfd);
    }
    if (srv->wake[0] >= 0) {
        close(srv->wake[0]);
    }
    if (srv->wake[1] >= 0) {
        close(srv->wake[1]);
    }
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

/* --- client --- */

struct brski_http_client {
    brski_tls_ctx *tls;
    char host[256];
    uint16_t port;
    unsigned timeout_ms;
    int fd;
    brski_tls_conn *conn;
    bool reusable;
    unsigned connects;
    brski_http_parser *parser;
};

brski_err brski_http_client_new(brski_tls_ctx *tls, const char *host, uint16_t port,
                                unsigned timeout_ms, brski_http_client **out)
{
    brski_http_client *cl;

    *out = NULL;
    if (host == NULL || strlen(host) >= 256 || port == 0 || timeout_ms == 0) {
        return BRSKI_ERR_ARG;
    }
    cl = calloc(1, sizeof(*cl));
    if (cl == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    cl->tls = tls;
    memcpy(cl->host, host, strlen(host) + 1);
    cl->port = port;
    cl->timeout_ms = timeout_ms;
    cl->fd = -1;
    *out = cl;
    return BRSKI_OK;
}

static void client_disconnect(brski_http_client *cl)
{
    if (cl->conn != NULL) {
        brski_tls_conn_free(cl->conn);
        cl->conn = NULL;
    }
    if (cl->fd >= 0) {
        close(cl->fd);
        cl->fd = -1;
    }
    brski_http_parser_free(cl->parser);
    cl->parser = NULL;
    cl->reusable = false;
}

static brski_err client_connect(brski_http_client *cl)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    struct timeval tv;
    brski_err rv = BRSKI_ERR_IO;
    int one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    (void)snprintf(port, sizeof(port), "%u", (unsigned)cl->port);
    if (getaddrinfo(cl->host, port, &hints, &res) != 0) {
        brski_log(BRSKI_LOG_WARN, "client: cannot resolve %s", cl->host);
        return BRSKI_ERR_IO;
    }
    tv.tv_sec = (time_t)(cl->timeout_ms / 1000u);
    tv.tv_usec = (suseconds_t)((cl->timeout_ms % 1000u) * 1000u);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            continue;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            cl->fd = fd;
            break;
        }
        close(fd);
    }
    freeaddrinfo(res);
    if (cl->fd < 0) {
        brski_log(BRSKI_LOG_WARN, "client: cannot connect to %s:%u", cl->host,
                  (unsigned)cl->port);
        return BRSKI_ERR_IO;
    }
    cl->connects++;
    if (cl->tls != NULL) {
        brski_tls_io io;
        rv = brski_tls_conn_new(cl->tls, cl->fd, cl->host, &cl->conn);
        if (rv != BRSKI_OK) {
            client_disconnect(cl);
            return rv;
        }
        io = brski_tls_handshake(cl->conn);
        if (io != BRSKI_TLS_IO_OK) {
            brski_err pe = brski_tls_conn_pin_err(cl->conn);
            brski_log(BRSKI_LOG_WARN, "client: TLS handshake with %s:%u failed", cl->host,
                      (unsigned)cl->port);
            client_disconnect(cl);
            if (pe != BRSKI_OK) {
                return BRSKI_ERR_AUTH;
            }
            return (io == BRSKI_TLS_IO_WANT_READ || io == BRSKI_TLS_IO_WANT_WRITE)
                       ? BRSKI_ERR_TIMEOUT
                       : BRSKI_ERR_IO;
        }
    }
    return BRSKI_OK;
}

static brski_tls_io client_write(brski_http_client *cl, const uint8_t *p, size_t len, size_t *n)
{
    ssize_t r;

    if (cl->conn != NULL) {
        return brski_tls_write(cl->conn, p, len, n);
    }
    r = send(cl->fd, p, len, MSG_NOSIGNAL);
    *n = r > 0 ? (size_t)r : 0;
    if (r >= 0) {
        return BRSKI_TLS_IO_OK;
    }
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? BRSKI_TLS_IO_WANT_WRITE : BRSKI_TLS_IO_ERROR;
}

static brski_tls_io client_read(brski_http_client *cl, uint8_t *p, size_t cap, size_t *n)
{
    ssize_t r;

    if (cl->conn != NULL) {
        return brski_tls_read(cl->conn, p, cap, n);
    }
    r = read(cl->fd, p, cap);
    *n = r > 0 ? (size_t)r : 0;
    if (r > 0) {
        return BRSKI_TLS_IO_OK;
    }
    if (r == 0) {
        return BRSKI_TLS_IO_CLOSED;
    }
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? BRSKI_TLS_IO_WANT_READ : BRSKI_TLS_IO_ERROR;
}

/* One attempt; |*fresh| tells whether any response byte arrived (for the retry). */
static brski_err client_once(brski_http_client *cl, const brski_buf *wire, bool head,
                             size_t max_body, brski_http_msg *resp, bool *got_bytes)
{
    brski_http_limits lim;
    size_t off = 0;
    uint8_t in[8192];

    *got_bytes = false;
    if (cl->fd < 0) {
        brski_err rv = client_connect(cl);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    brski_http_limits_default(&lim);
    lim.max_body = max_body;
    brski_http_parser_free(cl->parser);
    cl->parser = brski_http_parser_new(BRSKI_HTTP_RESPONSE, &lim);
    if (cl->parser == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    brski_http_parser_expect_head(cl->parser, head);
    while (off < wire->len) {
        size_t n = 0;
        brski_tls_io io = client_write(cl, wire->p + off, wire->len - off, &n);
        if (io != BRSKI_TLS_IO_OK) {
            return io == BRSKI_TLS_IO_WANT_WRITE ? BRSKI_ERR_TIMEOUT : BRSKI_ERR_IO;
        }
        off += n;
    }
    for (;;) {
        size_t n = 0, used = 0, pos = 0;
        int status = 0;
        brski_http_state st;
        brski_tls_io io = client_read(cl, in, sizeof(in), &n);
        if (io == BRSKI_TLS_IO_CLOSED) {
            st = brski_http_parser_eof(cl->parser, &status);
            if (st == BRSKI_HTTP_DONE) {
                brski_http_parser_take(cl->parser, resp);
                resp->keep_alive = false;
                return BRSKI_OK;
            }
            return BRSKI_ERR_IO;
        }
        if (io != BRSKI_TLS_IO_OK) {
            return io == BRSKI_TLS_IO_WANT_READ ? BRSKI_ERR_TIMEOUT : BRSKI_ERR_IO;
        }
        *got_bytes = true;
        while (pos < n) {
            st = brski_http_parser_feed(cl->parser, in + pos, n - pos, &used, &status);
            pos += used;
            if (st == BRSKI_HTTP_DONE) {
                brski_http_parser_take(cl->parser, resp);
                /* Bytes after a complete response would desynchronise reuse. */
                if (pos < n) {
                    resp->keep_alive = false;
                }
                return BRSKI_OK;
            }
            if (st == BRSKI_HTTP_ERROR) {
                return status == 413 ? BRSKI_ERR_TOOBIG : BRSKI_ERR_MALFORMED;
            }
            if (used == 0) {
                return BRSKI_ERR_MALFORMED;
            }
        }
    }
}

brski_err brski_http_client_request(brski_http_client *cl, const brski_http_msg *req,
                                    size_t max_body, brski_http_msg *resp)
{
    brski_buf wire;
    brski_err rv;
    bool got = false;
    bool reused = cl->fd >= 0 && cl->reusable;
    bool head = req->method == BRSKI_METHOD_HEAD;
    char hostport[300];

    brski_http_msg_init(resp, max_body);
    if (cl->fd >= 0 && !cl->reusable) {
        client_disconnect(cl);
    }
    (void)snprintf(hostport, sizeof(hostport), "%s:%u", cl->host, (unsigned)cl->port);
    brski_buf_init(&wire, BRSKI_MAX_FILE + BRSKI_HTTP_MAX_HEADER);
    rv = brski_http_request_encode(req, hostport, true, &wire);
    if (rv != BRSKI_OK) {
        goto out;
    }
    rv = client_once(cl, &wire, head, max_body, resp, &got);
    if (rv != BRSKI_OK && reused && !got && rv != BRSKI_ERR_TIMEOUT) {
        /* The server may have closed an idle keep-alive connection: retry once. */
        client_disconnect(cl);
        brski_http_msg_clear(resp);
        brski_http_msg_init(resp, max_body);
        rv = client_once(cl, &wire, head, max_body, resp, &got);
    }
    if (rv != BRSKI_OK) {
        client_disconnect(cl);
        goto out;
    }
    cl->reusable = resp->keep_alive;
out:
    brski_buf_clear(&wire);
    return rv;
}

brski_err brski_http_client_connect(brski_http_client *cl)
{
    brski_err rv;

    if (cl->fd >= 0 && cl->reusable) {
        return BRSKI_OK;
    }
    client_disconnect(cl);
    rv = client_connect(cl);
    if (rv == BRSKI_OK) {
        cl->reusable = true;
    }
    return rv;
}

brski_err brski_http_client_peer(brski_http_client *cl, brski_http_peer *peer, brski_buf *buf)
{
    if (cl->conn == NULL) {
        return BRSKI_ERR_ARG;
    }
    return brski_tls_peer_chain(cl->conn, peer, buf);
}

unsigned brski_http_client_connects(const brski_http_client *cl)
{
    return cl->connects;
}

void brski_http_client_free(brski_http_client *cl)
{
    if (cl == NULL) {
        return;
    }
    if (cl->conn != NULL) {
        brski_tls_shutdown(cl->conn);
    }
    client_disconnect(cl);
    free(cl);
}

/* --- connection pool --- */

typedef struct pool_entry {
    brski_http_client *cl;
    int64_t idle_since_ms;
    struct pool_entry *next;
} pool_entry;

struct brski_http_pool {
    brski_tls_ctx *tls;
    unsigned timeout_ms;
    unsigned max_idle;
    unsigned max_idle_ms;
    pthread_mutex_t mu;
    pool_entry *idle; /* most recently used first */
    unsigned n_idle;
    unsigned connects; /* TCP connections opened by requests so far */
};

brski_err brski_http_pool_new(brski_tls_ctx *tls, unsigned timeout_ms, unsigned max_idle,
                              unsigned max_idle_ms, brski_http_pool **out)
{
    brski_http_pool *p;

    *out = NULL;
    if (timeout_ms == 0) {
        return BRSKI_ERR_ARG;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    p->tls = tls;
    p->timeout_ms = timeout_ms;
    p->max_idle = max_idle;
    p->max_idle_ms = max_idle_ms;
    pthread_mutex_init(&p->mu, NULL);
    *out = p;
    return BRSKI_OK;
}

/* Takes an idle client for |host|:|port| out of the pool; stale ones are freed. */
static brski_http_client *pool_take(brski_http_pool *p, const char *host, uint16_t port)
{
    pool_entry **pp;
    brski_http_client *found = NULL;
    pool_entry *stale = NULL;
    int64_t t = now_ms();

    pthread_mutex_lock(&p->mu);
    pp = &p->idle;
    while (*pp != NULL) {
        pool_entry *e = *pp;
        if (t - e->idle_since_ms > (int64_t)p->max_idle_ms) {
            *pp = e->next;
            p->n_idle--;
            e->next = stale;
            stale = e;
            continue;
        }
        if (found == NULL && e->cl->port == port && strcmp(e->cl->host, host) == 0) {
            *pp = e->next;
            p->n_idle--;
            found = e->cl;
            free(e);
            continue;
        }
        pp = &e->next;
    }
    pthread_mutex_unlock(&p->mu);
    while (stale != NULL) {
        pool_entry *e = stale;
        stale = e->next;
        brski_http_client_free(e->cl);
        free(e);
    }
    return found;
}

/*
 * Returns |cl| to the pool when it can carry another request, else frees it.
 * |opened|: connections it opened during the request just made.
 */
static void pool_give(brski_http_pool *p, brski_http_client *cl, unsigned opened)
{
    pool_entry *e = NULL;

    if (cl->fd >= 0 && cl->reusable) {
        e = calloc(1, sizeof(*e));
    }
    pthread_mutex_lock(&p->mu);
    p->connects += opened;
    if (e != NULL && p->n_idle < p->max_idle) {
        e->cl = cl;
        e->idle_since_ms = now_ms();
        e->next = p->idle;
        p->idle = e;
        p->n_idle++;
        cl = NULL;
        e = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    free(e);
    brski_http_client_free(cl);
}

brski_err brski_http_pool_request(brski_http_pool *pool, const char *host, uint16_t port,
                                  const brski_http_msg *req, size_t max_body,
                                  brski_http_msg *resp)
{
    brski_http_client *cl;
    unsigned before;
    brski_err rv;

    if (host == NULL) {
        brski_http_msg_init(resp, max_body);
        return BRSKI_ERR_ARG;
    }
    cl = pool_take(pool, host, port);
    if (cl == NULL) {
        rv = brski_http_client_new(pool->tls, host, port, pool->timeout_ms, &cl);
        if (rv != BRSKI_OK) {
            brski_http_msg_init(resp, max_body);
            return rv;
        }
    }
    before = cl->connects;
    rv = brski_http_client_request(cl, req, max_body, resp);
    pool_give(pool, cl, cl->connects - before);
    return rv;
}

unsigned brski_http_pool_connects(brski_http_pool *pool)
{
    unsigned n;

    pthread_mutex_lock(&pool->mu);
    n = pool->connects;
    pthread_mutex_unlock(&pool->mu);
    return n;
}

void brski_http_pool_free(brski_http_pool *pool)
{
    if (pool == NULL) {
        return;
    }
    while (pool->idle != NULL) {
        pool_entry *e = pool->idle;
        pool->idle = e->next;
        brski_http_client_free(e->cl);
        free(e);
    }
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}
