//! [`LoopbackSignIn`]: a person signs in in their browser; the program
//! listens on 127.0.0.1 for the redirect and exchanges the code (PKCE).

use std::fmt;
use std::io::ErrorKind as IoErrorKind;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::browser::{answer, read_request, Request};
use super::pkce::PkceVerifier;
use super::secure_random::unreserved;
use crate::auth::AuthorizeUrl;
use crate::error::{quoted, Error, Repr, Result};
use crate::secret::{Redactor, Secret};
use crate::{Session, SessionBuilder, TransportKind};

/// How long [`PendingSignIn::finish`] waits by default: 5 minutes.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest [`LoopbackSignIn::timeout`]: 1 day.
const MAX_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// The length of the `state` generated for each sign-in (6 random bits a character).
const STATE_LEN: usize = 32;
/// How often the listener looks for the browser's connection.
const POLL: Duration = Duration::from_millis(20);
/// The longest a connected browser may take to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(10);
/// The most connections read at once; more are closed unread.
const MAX_READERS: usize = 16;

type AuthorizeOptions = Box<dyn FnOnce(AuthorizeUrl) -> AuthorizeUrl + Send + Sync>;

/// Signs a person in with PKCE through their browser, for programs run by
/// that person (a CLI, a desktop tool). Official SDKs: Python
/// `get_pkce_token`, Node `loginPKCEGrant` (in a browser).
///
/// [`start`](LoopbackSignIn::start) listens on `127.0.0.1` and builds the
/// sign-in address; show it to the person ([`PendingSignIn::url`]; opening
/// a browser is up to you). [`finish`](PendingSignIn::finish) waits for the
/// browser to come back to `http://127.0.0.1:<port><path>?code=…&state=…`,
/// checks `state`, exchanges the code with
/// [`SessionBuilder::pkce_authorization_code`], answers the browser with a
/// short page that shows no code or token, and returns the session, which
/// renews its token with the refresh token from then on.
///
/// The redirect URI must be registered on the OAuth client (a public
/// client with PKCE): register `http://127.0.0.1:<port>/callback` and pass
/// that [`port`](LoopbackSignIn::port).
///
/// ```no_run
/// use genesys_presence::sign_in::LoopbackSignIn;
/// use genesys_presence::{users, Region, Session};
///
/// let builder = Session::builder()
///     .region(Region::EuWest1)
///     .on_new_tokens(|tokens| {
///         let _saved = tokens.refresh_token(); // save it for the next run
///     });
/// let pending = LoopbackSignIn::new(builder, "my-public-client-id").port(8400).start()?;
/// println!("Sign in at {}", pending.url());
/// let session = pending.finish()?;
/// println!("Signed in as {:?}", users::me(&session, false)?.name);
/// # Ok::<(), genesys_presence::Error>(())
/// ```
pub struct LoopbackSignIn {
    builder: SessionBuilder,
    client_id: String,
    port: u16,
    path: String,
    timeout: Duration,
    options: Option<AuthorizeOptions>,
}

impl fmt::Debug for LoopbackSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackSignIn")
            .field("builder", &self.builder)
            .field("client_id", &self.client_id)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl LoopbackSignIn {
    /// A sign-in for the public OAuth client `client_id`, building the
    /// session with `builder` (region or URLs, timeouts,
    /// [`on_new_tokens`](SessionBuilder::on_new_tokens)…; give it no
    /// credentials: the helper adds them).
    pub fn new(builder: SessionBuilder, client_id: impl Into<String>) -> Self {
        LoopbackSignIn {
            builder,
            client_id: client_id.into(),
            port: 0,
            path: "/callback".into(),
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            options: None,
        }
    }

    /// The port to listen on, on `127.0.0.1`. Default: `0`, a free port
    /// the system picks (for an OAuth client that accepts any loopback port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The redirect URI's path. Default: `/callback`. Bounds: starts with
    /// `/`, at most 256 bytes of visible ASCII without `?` or `#`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// How long [`finish`](PendingSignIn::finish) waits for the browser,
    /// counted from [`start`](LoopbackSignIn::start). Default:
    /// [`DEFAULT_SIGN_IN_TIMEOUT`] (5 minutes). Bounds: 1 ms to 1 day.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Adds the optional parts of the sign-in address:
    /// [`login_hint`](AuthorizeUrl::login_hint),
    /// [`identity_provider`](AuthorizeUrl::identity_provider),
    /// [`target`](AuthorizeUrl::target),
    /// [`prompt_login`](AuthorizeUrl::prompt_login). The helper sets the
    /// challenge and `state` itself, after `options`. Default: none.
    pub fn authorize_options(
        mut self,
        options: impl FnOnce(AuthorizeUrl) -> AuthorizeUrl + Send + Sync + 'static,
    ) -> Self {
        self.options = Some(Box::new(options));
        self
    }

    /// Listens on `127.0.0.1` and prepares the sign-in address, with a new
    /// PKCE verifier and `state` from the system's secure random source.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) for a path or timeout outside
    /// its bounds or a bad login URL in the builder;
    /// [`System`](crate::ErrorKind::System) when the port cannot be
    /// listened on (taken, say) or the random source fails.
    pub fn start(self) -> Result<PendingSignIn> {
        let path = &self.path;
        if !path.starts_with('/')
            || path.len() > 256
            || !path
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#')
        {
            return Err(Error::config(format!(
                "sign-in path {} must start with `/` and be at most 256 bytes of visible ASCII without `?` or `#`",
                quoted(path)
            )));
        }
        if self.timeout.is_zero() || self.timeout > MAX_SIGN_IN_TIMEOUT {
            return Err(Error::config(format!(
                "sign-in timeout must be from 1 ms to 1 day, not {:?}",
                self.timeout
            )));
        }
        let login_url = self.builder.resolved_login_url()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| Error::system(format!("cannot listen on 127.0.0.1:{}: {e}", self.port)))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::system(format!("cannot read the listening port: {e}")))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}{}", self.path);
        let verifier = PkceVerifier::generate()?;
        let state = Secret::new(unreserved(STATE_LEN)?);
        let mut authorize =
            AuthorizeUrl::new(login_url.as_str(), self.client_id.as_str(), redirect_uri.as_str());
        if let Some(options) = self.options {
            authorize = options(authorize);
        }
        let url = authorize
            .code_challenge(verifier.challenge())
            .state(state.expose())
            .to_url();
        Ok(PendingSignIn {
            listener,
            builder: self.builder,
            client_id: self.client_id,
            path: self.path,
            redirect_uri,
            login_url,
            verifier,
            state,
            url: Secret::new(url),
            deadline: Instant::now() + self.timeout,
        })
    }
}

/// A sign-in under way: the address to open, and the listener waiting for
/// the browser. `Debug` shows neither the verifier nor the `state`.
pub struct PendingSignIn {
    listener: TcpListener,
    builder: SessionBuilder,
    client_id: String,
    path: String,
    redirect_uri: String,
    login_url: String,
    verifier: PkceVerifier,
    state: Secret,
    /// Holds the `state`: shown only through [`PendingSignIn::url`].
    url: Secret,
    deadline: Instant,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .field("client_id", &self.client_id)
            .field("verifier", &self.verifier)
            .field("state", &"<redacted>")
            .finish()
    }
}

impl PendingSignIn {
    /// The address the person opens in their browser: `GET
    /// {login}/oauth/authorize` with the challenge and the `state`. Print
    /// it or open it; do not log it elsewhere.
    pub fn url(&self) -> &str {
        self.url.expose()
    }

    /// The redirect URI, `http://127.0.0.1:<port><path>`, which must be
    /// registered on the OAuth client.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser's redirect, then exchanges the code and returns
    /// the signed-in session (its first token already obtained). Requests
    /// to another path (`/favicon.ico`) are answered `404` and waiting goes
    /// on. Connections are read side by side (at most 16 at once, each for
    /// at most 10 s), so a silent one does not hold up the browser's
    /// redirect. The browser is answered with a page saying whether sign-in
    /// worked, without any code or token.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when: nobody signed in before the
    /// [timeout](LoopbackSignIn::timeout) ([`Error::is_timeout`]); the
    /// redirect's `state` is missing or not the one sent (no token request
    /// is made); the redirect carries `error` ([`Error::code`] gives it:
    /// `access_denied` when the person declined) or no `code`; or the code exchange fails (as
    /// [`Session::authenticate`]). [`Config`](crate::ErrorKind::Config) when
    /// the builder's settings are wrong (or it already has credentials);
    /// [`System`](crate::ErrorKind::System) when listening fails.
    pub fn finish(self) -> Result<Session> {
        let redactor = Redactor::new([self.state.expose(), self.verifier.secret()]);
        self.wait().map_err(|e| e.bounded(&redactor))
    }

    fn wait(mut self) -> Result<Session> {
        // Each connection is read on its own thread, so that one that sends
        // nothing (a browser's spare pre-opened connection, a stuck client)
        // does not hold up the browser's redirect behind it.
        let (sender, requests) = mpsc::channel::<(TcpStream, Request)>();
        let readers = Arc::new(AtomicUsize::new(0));
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.failure(
                    "nobody signed in before the sign-in timeout".into(),
                    Some(TransportKind::Timeout),
                ));
            }
            let read = match self.listener.accept() {
                Ok((stream, _)) => {
                    read_on_a_thread(stream, REQUEST_WAIT.min(left), &sender, &readers);
                    requests.try_recv().ok()
                }
                Err(e) if matches!(e.kind(), IoErrorKind::WouldBlock | IoErrorKind::Interrupted) => {
                    requests.recv_timeout(POLL.min(left)).ok()
                }
                Err(e) => {
                    return Err(Error::system(format!(
                        "waiting for the browser on 127.0.0.1: {e}"
                    )))
                }
            };
            if let Some((stream, request)) = read {
                if let Some(outcome) = self.answer_request(stream, &request) {
                    return outcome;
                }
            }
        }
    }

    /// Answers one request of the browser: `None` when it was not the
    /// redirect (answered 404; waiting goes on), else the sign-in's outcome.
    fn answer_request(&mut self, stream: TcpStream, request: &Request) -> Option<Result<Session>> {
        if request.method != "GET" || request.path != self.path {
            answer(
                stream,
                "404 Not Found",
                "Not found",
                "This is not the sign-in address.",
            );
            return None;
        }
        let outcome = self.check(request).and_then(|code| {
            let builder = std::mem::take(&mut self.builder);
            self.exchange(builder, code)
        });
        match &outcome {
            Ok(_) => answer(
                stream,
                "200 OK",
                "Signed in",
                "You are signed in. You can close this tab and go back to the program.",
            ),
            Err(_) => answer(
                stream,
                "400 Bad Request",
                "Sign-in failed",
                "Sign-in did not complete. The program says why.",
            ),
        }
        Some(outcome)
    }

    /// The code of the redirect, when its `state` is the one sent and it
    /// carries no `error`.
    fn check<'a>(&self, request: &'a Request) -> Result<&'a str> {
        if request.get("state") != Some(self.state.expose()) {
            return Err(self.failure(
                "the redirect's state is missing, repeated or not the one this sign-in sent: refused \
                 (another site may have started it)"
                    .into(),
                None,
            ));
        }
        if let Some(error) = request.get("error") {
            // An OAuth error code (`access_denied`: the person declined) is
            // shown, and given by `code()`; anything else is not.
            let code = (error.len() <= 64 && error.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .then(|| error.to_owned());
            let reason = format!(
                "the sign-in page answered error {}",
                code.as_deref().unwrap_or("(not shown)")
            );
            return Err(self.failure_with_code(reason, code));
        }
        request
            .get("code")
            .filter(|code| !code.is_empty())
            .ok_or_else(|| self.failure("the redirect carries no code, or more than one".into(), None))
    }

    /// Exchanges `code` for the session's first tokens.
    fn exchange(&self, builder: SessionBuilder, code: &str) -> Result<Session> {
        let session = builder
            .pkce_authorization_code(
                self.client_id.as_str(),
                code,
                self.verifier.secret(),
                self.redirect_uri.as_str(),
            )
            .build()?;
        session.authenticate()?;
        Ok(session)
    }

    fn failure(&self, reason: String, transport: Option<TransportKind>) -> Error {
        self.auth_error(reason, None, transport)
    }

    /// The error of a redirect that carries an OAuth error `code`.
    fn failure_with_code(&self, reason: String, code: Option<String>) -> Error {
        self.auth_error(reason, code, None)
    }

    fn auth_error(&self, reason: String, code: Option<String>, transport: Option<TransportKind>) -> Error {
        Error::from(Repr::Auth {
            login_url: self.login_url.clone(),
            status: None,
            code,
            reason,
            correlation_id: None,
            attempts: 0,
            transport,
            sign_in_again: false,
            throttled: false,
        })
    }
}

/// Reads the request of `stream` on a new thread (waiting at most `wait`)
/// and sends it with the stream to `sender`. Connections beyond
/// [`MAX_READERS`] at once, and ones that send no HTTP request, are closed.
fn read_on_a_thread(
    mut stream: TcpStream,
    wait: Duration,
    sender: &mpsc::Sender<(TcpStream, Request)>,
    readers: &Arc<AtomicUsize>,
) {
    if readers.fetch_add(1, Ordering::SeqCst) >= MAX_READERS {
        readers.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let (sender, count) = (sender.clone(), Arc::clone(readers));
    let spawned = std::thread::Builder::new()
        .name("sign-in browser".into())
        .spawn(move || {
            if let Some(request) = read_request(&mut stream, wait) {
                let _ = sender.send((stream, request));
            }
            count.fetch_sub(1, Ordering::SeqCst);
        });
    if spawned.is_err() {
        readers.fetch_sub(1, Ordering::SeqCst);
    }
}
