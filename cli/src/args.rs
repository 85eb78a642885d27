//! The command line: every command, its arguments and its help.

use clap::{Args, Parser, Subcommand};

/// Read, set and watch Genesys Cloud presence from a shell.
///
/// Credentials come from the GENESYSCLOUD_* variables when they are set
/// (GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET, or
/// GENESYSCLOUD_ACCESS_TOKEN; GENESYSCLOUD_REGION or GENESYSCLOUD_API_URL),
/// else from the profile `login` saved. Profiles are kept in
/// genesys-presence/profiles.json in the platform's configuration directory
/// (~/.config on Linux), or in the directory GENESYS_PRESENCE_CONFIG_DIR
/// names, readable by their owner only. `--fake` runs every command against
/// a stand-in org on this machine, with no account.
#[derive(Debug, Parser)]
#[command(name = "genesys-presence", version, propagate_version = true)]
#[command(after_help = "Examples:
  genesys-presence login                          sign in with the browser
  genesys-presence get me
  genesys-presence set Busy --message 'Deep work' me
  genesys-presence set Meeting alex@example.com 3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44
  cat team.txt | genesys-presence set Available -
  genesys-presence --json get me | jq .systemPresence
  genesys-presence --fake watch me sam.lee@example.com")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The profile to use (saved by `login`)
    #[arg(
        long,
        global = true,
        env = "GENESYS_PRESENCE_PROFILE",
        default_value = "default",
        value_parser = profile_name
    )]
    pub profile: String,
    /// The region, by name (eu-west-1) or domain (mypurecloud.ie); overrides the profile's
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Print JSON (one document, or one line per event for `watch`) instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Log what the client does on stderr: -v calls and retries, -vv every exchange, -vvv bodies
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Use a stand-in org on this machine instead of Genesys Cloud (no account needed;
    /// its users are alex.morgan@example.com, sam.lee@example.com and kim.ortiz@example.com,
    /// and `me` is Alex)
    #[arg(long, global = true)]
    pub fake: bool,
}

/// A profile's name as `--profile` takes it: any text but an empty one,
/// one with spaces around it, or one with control characters, which would
/// name a profile that cannot be told apart from another when shown.
fn profile_name(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("a profile's name must not be empty".to_owned());
    }
    if text.trim() != text || text.chars().any(char::is_control) {
        return Err("a profile's name must not have spaces around it or control characters".to_owned());
    }
    Ok(text.to_owned())
}

/// A name or id that must say something: an empty or blank one is a usage
/// error, not a call that fails (or, worse, a label that is blank).
fn non_blank(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(text.to_owned())
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in with the browser (PKCE), or save client credentials, into a profile
    ///
    /// A person: the address to open in the browser is printed on stderr; once
    /// signed in there, the browser comes back to http://127.0.0.1:PORT/callback,
    /// which must be a redirect URI of the OAuth client (a public client with
    /// PKCE), and the tokens are saved in the profile. The region is --region,
    /// else GENESYSCLOUD_API_URL or GENESYSCLOUD_REGION, else the profile's,
    /// else us-east-1. With --fake nothing is saved: open the address and the
    /// stand-in org signs you in at once.
    #[command(after_help = "Examples:
  genesys-presence login --client-id 0c3e… --port 8400   a person, in the browser
  genesys-presence --profile ops login --client-credentials --client-id 0c3e… < secret.txt
  genesys-presence --fake login                          try it without an account")]
    Login(LoginArgs),
    /// Revoke the profile's token and forget the profile (tokens or client secret)
    #[command(after_help = "Examples:\n  genesys-presence logout\n  genesys-presence --profile ops logout")]
    Logout,
    /// Show who the token belongs to: user, org, OAuth client, token expiry
    #[command(
        after_help = "Examples:\n  genesys-presence whoami\n  genesys-presence --json whoami | jq -r .user.email"
    )]
    Whoami,
    /// Show the presence of one or more users
    #[command(after_help = "Examples:
  genesys-presence get me
  genesys-presence get alex@example.com 3f1d5b1e-8a7c-4c2b-9d3e-2b7f0c9e1a44
  genesys-presence --json get - < users.txt")]
    Get(GetArgs),
    /// Set the presence of one or more users by name (the bulk call for many)
    #[command(after_help = "Examples:
  genesys-presence set Busy me
  genesys-presence set 'On Queue' --message 'Back at 3' alex@example.com
  genesys-presence set Lunch - < team.txt")]
    Set(SetArgs),
    /// Print presence changes of users until Ctrl-C
    #[command(after_help = "Examples:
  genesys-presence watch me alex@example.com
  genesys-presence --json watch - < team.txt | jq -c .")]
    Watch(WatchArgs),
    /// The org's presence definitions: list, show, create, update, delete
    #[command(
        subcommand,
        after_help = "Examples:\n  genesys-presence definitions list\n  genesys-presence definitions show Lunch"
    )]
    Definitions(DefinitionsCommand),
    /// The org's presence sources: list, show, create, update, delete
    #[command(
        subcommand,
        after_help = "Examples:\n  genesys-presence sources list\n  genesys-presence sources create 'HR sync'"
    )]
    Sources(SourcesCommand),
    /// The org's presence settings: show, update
    #[command(
        subcommand,
        after_help = "Examples:\n  genesys-presence settings show\n  genesys-presence settings update --restore true"
    )]
    Settings(SettingsCommand),
    /// A user's primary presence source: show, set
    #[command(
        subcommand,
        name = "primary-source",
        after_help = "Examples:\n  genesys-presence primary-source show me\n  genesys-presence primary-source set PURECLOUD me"
    )]
    PrimarySource(PrimarySourceCommand),
    /// Print a completion script for a shell
    #[command(after_help = "Examples:
  genesys-presence completions bash > ~/.local/share/bash-completion/completions/genesys-presence
  genesys-presence completions zsh > ~/.zfunc/_genesys-presence
  genesys-presence completions fish > ~/.config/fish/completions/genesys-presence.fish")]
    Completions(CompletionsArgs),
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The OAuth client id (a PKCE client for a person; a client-credentials client with --client-credentials)
    #[arg(long, env = "GENESYSCLOUD_OAUTHCLIENT_ID")]
    pub client_id: Option<String>,
    /// Save client credentials instead of signing a person in; the secret is read from
    /// standard input (or GENESYSCLOUD_OAUTHCLIENT_SECRET)
    #[arg(long)]
    pub client_credentials: bool,
    /// The port of the local address the browser is sent back to (default: any free port)
    #[arg(long)]
    pub port: Option<u16>,
    /// Only print the address to open (the tool never opens a browser itself: it always
    /// prints the address on stderr; the flag is accepted for scripts)
    #[arg(long)]
    pub no_browser: bool,
}

/// Users: ids, e-mail addresses, `me`, or `-` for one per line on standard input.
#[derive(Debug, Args)]
pub struct UserList {
    /// Users: ids, e-mail addresses, `me`, or `-` to read them from standard input, one per line
    #[arg(value_name = "USER", required = true)]
    pub users: Vec<String>,
}

/// `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub users: UserList,
}

/// `set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The presence: a system presence in any spelling (busy, "On Queue") or one of the org's labels
    /// (Lunch); a name the org does not have fails (exit 1) with the names it has
    #[arg(value_name = "PRESENCE", value_parser = non_blank)]
    pub presence: String,
    /// A message to show with the presence
    #[arg(long, short)]
    pub message: Option<String>,
    #[command(flatten)]
    pub users: UserList,
}

/// `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub users: UserList,
    /// Do not print each user's presence at the start, only changes
    #[arg(long)]
    pub changes_only: bool,
}

/// `definitions …`.
#[derive(Debug, Subcommand)]
pub enum DefinitionsCommand {
    /// List the org's presence definitions
    #[command(after_help = "Example:\n  genesys-presence definitions list --deactivated")]
    List {
        /// Include deactivated definitions
        #[arg(long)]
        deactivated: bool,
    },
    /// Show one definition, by id or by name
    #[command(after_help = "Example:\n  genesys-presence definitions show Lunch")]
    Show {
        /// An id, or a label or system presence name
        #[arg(value_parser = non_blank)]
        definition: String,
    },
    /// Create a definition: a label under a system presence
    #[command(after_help = "Example:\n  genesys-presence definitions create Lunch --system-presence Away")]
    Create {
        /// The label (en_US unless --locale says otherwise)
        #[arg(value_parser = non_blank)]
        label: String,
        /// The system presence it is a kind of: Available, Away, Busy, Meal, Meeting, Training…
        #[arg(long, value_parser = non_blank)]
        system_presence: String,
        /// The locale of the label
        #[arg(long, default_value = "en_US")]
        locale: String,
    },
    /// Update a definition's label or activation
    #[command(after_help = "Example:\n  genesys-presence definitions update Lunch --label 'Lunch break'")]
    Update {
        /// An id, or a label
        #[arg(value_parser = non_blank)]
        definition: String,
        /// The new label (en_US unless --locale says otherwise)
        #[arg(long, value_parser = non_blank)]
        label: Option<String>,
        /// The locale of the label
        #[arg(long, default_value = "en_US")]
        locale: String,
        /// Deactivate (true) or reactivate (false) it
        #[arg(long)]
        deactivated: Option<bool>,
    },
    /// Delete a definition
    #[command(after_help = "Example:\n  genesys-presence definitions delete Lunch")]
    Delete {
        /// An id, or a label
        #[arg(value_parser = non_blank)]
        definition: String,
    },
}

/// `sources …`.
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// List the org's presence sources
    #[command(after_help = "Example:\n  genesys-presence sources list --deactivated")]
    List {
        /// Include the deactivated sources
        #[arg(long)]
        deactivated: bool,
    },
    /// Show one source
    #[command(after_help = "Example:\n  genesys-presence sources show 6f1c…")]
    Show {
        /// The source's id or name
        #[arg(value_parser = non_blank)]
        source: String,
    },
    /// Create a custom presence source
    #[command(
        after_help = "Example:\n  genesys-presence sources create 'HR sync' --description 'Presence from the HR system'"
    )]
    Create {
        /// Its name
        #[arg(value_parser = non_blank)]
        name: String,
        /// What it is
        #[arg(long)]
        description: Option<String>,
    },
    /// Rename, describe, deactivate or reactivate a source
    #[command(after_help = "Example:\n  genesys-presence sources update 'HR sync' --name 'HR sync v2'")]
    Update {
        /// The source's id or name
        #[arg(value_parser = non_blank)]
        source: String,
        /// The new name
        #[arg(long, value_parser = non_blank)]
        name: Option<String>,
        /// The new description
        #[arg(long)]
        description: Option<String>,
        /// Deactivate (true) or reactivate (false) it
        #[arg(long)]
        deactivated: Option<bool>,
    },
    /// Delete a source
    #[command(after_help = "Example:\n  genesys-presence sources delete 'HR sync'")]
    Delete {
        /// The source's id or name
        #[arg(value_parser = non_blank)]
        source: String,
    },
}

/// `settings …`.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show the org's presence settings
    #[command(after_help = "Example:\n  genesys-presence settings show")]
    Show,
    /// Change the org's presence settings
    #[command(after_help = "Example:\n  genesys-presence settings update --requesting-off-queue true")]
    Update {
        /// Whether agents may request to go off queue
        #[arg(long)]
        requesting_off_queue: Option<bool>,
        /// The registered presence source new users get as their primary source (its id or name)
        #[arg(long, value_parser = non_blank)]
        default_primary_source: Option<String>,
        /// Whether a user's presence is restored when they reconnect
        #[arg(long)]
        restore: Option<bool>,
        /// How long after going offline a presence is still restored, in milliseconds
        #[arg(long, value_name = "MS")]
        restore_within_ms: Option<i64>,
        /// Whether an On Queue presence is restored too
        #[arg(long)]
        restore_on_queue: Option<bool>,
    },
}

/// `primary-source …`.
#[derive(Debug, Subcommand)]
pub enum PrimarySourceCommand {
    /// Show users' primary presence source
    #[command(after_help = "Example:\n  genesys-presence primary-source show me")]
    Show {
        #[command(flatten)]
        users: UserList,
    },
    /// Set users' primary presence source
    #[command(after_help = "Examples:
  genesys-presence primary-source set 'Calendar sync' me
  genesys-presence primary-source set PURECLOUD - < team.txt")]
    Set {
        /// The source's id or name (PURECLOUD: Genesys Cloud's own)
        #[arg(value_parser = non_blank)]
        source: String,
        #[command(flatten)]
        users: UserList,
    },
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
