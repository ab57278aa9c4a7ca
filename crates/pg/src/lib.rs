//! The lake over the Postgres wire protocol, for analysts' tools (psql, Grafana, DBeaver): a
//! DataFusion session served by `datafusion-postgres`, read-only and behind a password.
//!
//! - **Read-only.** Every statement that reaches DataFusion is planned first and the plan is
//!   checked with [`SQLOptions`] that allow no DDL (`CREATE`, `DROP`, `CREATE EXTERNAL TABLE`,
//!   `SELECT INTO`, ...), no DML (`INSERT`, `UPDATE`, `DELETE`, `COPY ... TO`) and no session
//!   statements (`SET datafusion.*`, `RESET`, `PREPARE`, ...), subqueries and `EXPLAIN ANALYZE`
//!   included; a refused statement gets a Postgres error (SQLSTATE 25006) and the connection
//!   stays open. What psql and drivers send for themselves (`SET` of client settings, `SHOW`,
//!   `BEGIN`/`COMMIT`, cursors over a query, `pg_catalog` queries) is answered by
//!   datafusion-postgres' own hooks without touching the data.
//! - **Password.** SCRAM-SHA-256 (what psql and libpq-based clients use by default; the
//!   password never crosses the wire) for one user.
//! - **Current.** Before each statement, when any table has a newer commit, the tables of a new
//!   snapshot replace the served ones, all at once: a connection held open for days (a Grafana
//!   dashboard) reads what was ingested since, and never a mix of two snapshots.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::{LogicalPlan, SetVariable, Statement as PlanStatement};
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Declare, Statement};
use datafusion_postgres::DfSessionService;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::hooks::{HookClient, QueryHook};
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::sasl::scram::{
    SCRAM_ITERATIONS, ScramAuth, gen_salted_password, random_nonce,
};
use datafusion_postgres::pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use datafusion_postgres::pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::Response;
use datafusion_postgres::pgwire::api::{ClientInfo, ConnectionManager, PgWireServerHandlers};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::tokio::process_socket;
use tokenboard_ingest::Lake;
use tokenboard_query::LakeSession;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// The environment variable the password is read from.
pub const PASSWORD_ENV: &str = "TOKENBOARD_PG_PASSWORD";

/// SQLSTATE `read_only_sql_transaction`, what Postgres answers to a write on a read-only server.
const READ_ONLY_SQLSTATE: &str = "25006";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{PASSWORD_ENV} is not set (or empty): set it to the password clients must give, e.g. \
         `export {PASSWORD_ENV}=...`"
    )]
    MissingPassword,
    #[error("the user name is empty")]
    EmptyUser,
    #[error("setting up pg_catalog: {0}")]
    Catalog(#[source] Box<DataFusionError>),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the listening address: {0}")]
    LocalAddr(#[source] std::io::Error),
    #[error(transparent)]
    Lake(#[from] tokenboard_query::Error),
}

/// The one user that may log in, and its password.
#[derive(Clone)]
pub struct Credentials {
    user: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Result<Credentials, Error> {
        let (user, password) = (user.into(), password.into());
        if user.is_empty() {
            return Err(Error::EmptyUser);
        }
        if password.is_empty() {
            return Err(Error::MissingPassword);
        }
        Ok(Credentials { user, password })
    }

    /// `user` with the password from [`PASSWORD_ENV`], which must be set and not empty.
    pub fn from_env(user: impl Into<String>) -> Result<Credentials, Error> {
        let password = std::env::var(PASSWORD_ENV).map_err(|_| Error::MissingPassword)?;
        Credentials::new(user, password)
    }

    pub fn user(&self) -> &str {
        &self.user
    }
}

/// A bound listener, ready to serve a session.
pub struct Server {
    listener: TcpListener,
    handlers: Arc<Handlers>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.listener.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the lake's tables in a session, adds the `pg_catalog` schema and Postgres functions
    /// to it (clients query them to list tables and columns) and binds `addr`; port 0 picks a
    /// free port, see [`Server::local_addr`].
    pub async fn bind(lake: &Lake, addr: &str, credentials: Credentials) -> Result<Server, Error> {
        let session = LakeSession::open(lake).await?;
        let ctx = session.context().clone();
        let follow = FollowLake {
            current: Mutex::new(session),
        };
        let catalog = ctx
            .state()
            .config()
            .options()
            .catalog
            .default_catalog
            .clone();
        setup_pg_catalog(&ctx, &catalog, EmptyContextProvider).map_err(Error::Catalog)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        let hooks: Vec<Arc<dyn QueryHook>> = vec![
            // First, so that every statement is planned over the newest tables.
            Arc::new(follow),
            // Next, so that it sees every statement before a hook or DataFusion runs it.
            Arc::new(ReadOnly),
            Arc::new(CursorStatementHook),
            Arc::new(SetShowHook),
            Arc::new(TransactionStatementHook),
        ];
        let connections = Arc::new(ConnectionManager::new());
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.default_transaction_read_only = true;
        parameters.is_superuser = false;
        let handlers = Handlers {
            service: Arc::new(DfSessionService::new_with_hooks(Arc::new(ctx), hooks)),
            auth: Arc::new(ScramSource::new(credentials)),
            parameters: Arc::new(parameters),
            cancel: Arc::new(DefaultCancelHandler::new(connections.clone())),
            connections,
        };
        Ok(Server {
            listener,
            handlers: Arc::new(handlers),
        })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener.local_addr().map_err(Error::LocalAddr)
    }

    /// Accepts connections until the task is dropped, each served on its own task.
    pub async fn serve(self) {
        loop {
            match self.listener.accept().await {
                Ok((socket, peer)) => {
                    let handlers = self.handlers.clone();
                    tokio::spawn(async move {
                        if let Err(e) = process_socket(socket, None, handlers).await {
                            tracing::warn!(%peer, "connection: {e}");
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait for connections to close.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

struct Handlers {
    service: Arc<DfSessionService>,
    auth: Arc<ScramSource>,
    parameters: Arc<DefaultServerParameterProvider>,
    connections: Arc<ConnectionManager>,
    cancel: Arc<DefaultCancelHandler>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.service.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.service.clone()
    }

    /// One handler per connection: it holds that connection's SASL exchange.
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        let mut scram = ScramAuth::new(self.auth.clone());
        scram.set_iterations(SCRAM_ITERATIONS);
        Arc::new(
            SASLAuthStartupHandler::new(self.parameters.clone())
                .with_scram(scram)
                .with_connection_manager(self.connections.clone()),
        )
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// The SCRAM verifier of the one user, salted once per process. Another user name gets a
/// verifier of a random password, so it fails like a wrong password, after the same exchange.
struct ScramSource {
    user: String,
    salt: Vec<u8>,
    salted_password: Vec<u8>,
    decoy: Vec<u8>,
}

impl std::fmt::Debug for ScramSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramSource")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl ScramSource {
    fn new(credentials: Credentials) -> ScramSource {
        let salt = random_nonce().into_bytes();
        ScramSource {
            salted_password: gen_salted_password(&credentials.password, &salt, SCRAM_ITERATIONS),
            decoy: gen_salted_password(&random_nonce(), &salt, SCRAM_ITERATIONS),
            user: credentials.user,
            salt,
        }
    }
}

#[async_trait]
impl AuthSource for ScramSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let verifier = if login.user() == Some(self.user.as_str()) {
            &self.salted_password
        } else {
            &self.decoy
        };
        Ok(Password::new(Some(self.salt.clone()), verifier.clone()))
    }
}

/// The query hook that keeps the served tables current: the snapshot they were read from, which
/// knows where to look for newer commits.
struct FollowLake {
    current: Mutex<LakeSession>,
}

impl FollowLake {
    /// When any table has a commit newer than the served snapshot, serves a new snapshot's
    /// tables instead. The `public` schema holding them is swapped as one: a statement planned
    /// meanwhile reads the old snapshot or the new one, never a mix. On an error the old
    /// snapshot keeps being served: a moment's trouble reading the lake should not fail queries.
    async fn follow(&self, ctx: &SessionContext) {
        let mut current = self.current.lock().await;
        match current.is_stale().await {
            Ok(false) => return,
            Ok(true) => {}
            Err(error) => {
                tracing::warn!(%error, "checking the lake for new commits");
                return;
            }
        }
        let fresh = match current.reopen().await {
            Ok(fresh) => fresh,
            Err(error) => {
                tracing::warn!(%error, "opening the lake's new snapshot");
                return;
            }
        };
        let options = ctx.state().config().options().catalog.clone();
        let tables = fresh
            .context()
            .catalog(&options.default_catalog)
            .and_then(|catalog| catalog.schema(&options.default_schema));
        let (Some(catalog), Some(tables)) = (ctx.catalog(&options.default_catalog), tables) else {
            tracing::warn!("the new snapshot has no default schema");
            return;
        };
        if let Err(error) = catalog.register_schema(&options.default_schema, tables) {
            tracing::warn!(%error, "serving the lake's new snapshot");
            return;
        }
        tracing::debug!(versions = ?fresh.versions(), "serving a new snapshot");
        *current = fresh;
    }
}

#[async_trait]
impl QueryHook for FollowLake {
    async fn handle_simple_query(
        &self,
        _statement: &Statement,
        ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        self.follow(ctx).await;
        None
    }

    async fn handle_extended_parse_query(
        &self,
        _statement: &Statement,
        ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        self.follow(ctx).await;
        None
    }

    async fn handle_extended_query(
        &self,
        _statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        // Planned when it was parsed, over the tables current then.
        None
    }
}

/// The query hook that keeps the server read-only. It runs before the other hooks (but
/// [`FollowLake`], which only reads) and before datafusion-postgres hands a statement to
/// DataFusion, plans the statement exactly as that
/// path will, and refuses it when the plan (or any plan inside it) could change anything.
#[derive(Debug)]
struct ReadOnly;

fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

fn refused(reason: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        READ_ONLY_SQLSTATE.to_owned(),
        format!("tokenboard serves the lake read-only: {reason}"),
    )))
}

fn api_error(e: DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

fn verify(plan: &LogicalPlan) -> PgWireResult<()> {
    read_only_options().verify_plan(plan).map_err(|e| match e {
        DataFusionError::Plan(reason) => refused(&reason),
        other => refused(&other.to_string()),
    })
}

/// What the other hooks answer themselves, without DataFusion: `SHOW`, transaction control,
/// `FETCH` and `CLOSE` of a cursor. (`SET` and `DECLARE` can reach DataFusion: checked apart.)
fn answered_by_hooks(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::ShowVariable { .. }
            | Statement::ShowStatus { .. }
            | Statement::ShowCatalogs { .. }
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Fetch { .. }
            | Statement::Close { .. }
    )
}

/// The simple-query path runs a statement as `ctx.sql(&statement.to_string())`, which is
/// `create_logical_plan` on that text: the same call here gives the same plan.
async fn check_sql(ctx: &SessionContext, sql: &str) -> PgWireResult<()> {
    let plan = ctx
        .state()
        .create_logical_plan(sql)
        .await
        .map_err(api_error)?;
    verify(&plan)
}

/// The extended-query path plans the parsed statement itself; the checked plan is returned and
/// is the one executed.
async fn plan_statement(ctx: &SessionContext, statement: &Statement) -> PgWireResult<LogicalPlan> {
    let plan = ctx
        .state()
        .statement_to_plan(DfStatement::Statement(Box::new(statement.clone())))
        .await
        .map_err(api_error)?;
    verify(&plan)?;
    Ok(plan)
}

/// `DECLARE c CURSOR FOR query` runs `ctx.sql(&query.to_string())`.
async fn check_declare(ctx: &SessionContext, declares: &[Declare]) -> PgWireResult<()> {
    for declare in declares {
        if let Some(query) = &declare.for_query {
            check_sql(ctx, &query.to_string()).await?;
        }
    }
    Ok(())
}

/// `SET` of a client setting (`datestyle`, `statement_timeout`, `TIME ZONE`, ...) is kept per
/// connection by the `SET` hook; any other `SET` it passes to DataFusion, which changes the
/// shared session for every connection when the name is one of its own (`datafusion.*`, and
/// `timezone`, its alias for `datafusion.execution.time_zone`): those are refused. Names
/// DataFusion does not know are ignored by the hook, as before.
async fn check_set(ctx: &SessionContext, statement: &Statement) -> PgWireResult<()> {
    let plan = ctx
        .state()
        .statement_to_plan(DfStatement::Statement(Box::new(statement.clone())))
        .await;
    match plan {
        Ok(LogicalPlan::Statement(PlanStatement::SetVariable(SetVariable {
            variable, ..
        }))) if variable.contains('.') => Err(refused(&format!(
            "SET {variable} would change the engine's settings for every connection"
        ))),
        _ => Ok(()),
    }
}

#[async_trait]
impl QueryHook for ReadOnly {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let checked = match statement {
            s if answered_by_hooks(s) => Ok(()),
            Statement::Set(_) => check_set(ctx, statement).await,
            Statement::Declare { stmts } => check_declare(ctx, stmts).await,
            _ => check_sql(ctx, &statement.to_string()).await,
        };
        // Nothing to answer: an allowed statement goes on to the next hook or to DataFusion.
        checked.err().map(Err)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        match statement {
            s if answered_by_hooks(s) => None,
            Statement::Set(_) => check_set(ctx, statement).await.err().map(Err),
            Statement::Declare { stmts } => check_declare(ctx, stmts).await.err().map(Err),
            _ => Some(plan_statement(ctx, statement).await),
        }
    }

    async fn handle_extended_query(
        &self,
        _statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        // Checked when it was parsed: the plan executed is the one checked.
        None
    }
}
