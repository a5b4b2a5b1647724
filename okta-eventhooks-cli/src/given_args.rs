//! A group of flags together with which of them the command line gave, so that a flag that
//! means nothing for the sink at hand can be refused by name (a default or an environment
//! variable is not the user asking for it).

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, FromArgMatches, Id};

/// The flags of `T`, and the long names of those given on the command line.
#[derive(Debug)]
pub struct Given<T> {
    /// The flags' values.
    pub args: T,
    /// `--name` of each flag of `T` the command line gave.
    given: Vec<String>,
}

impl<T> Given<T> {
    /// The flags of `T` the command line gave, as `--name`.
    pub fn given(&self) -> impl Iterator<Item = &str> {
        self.given.iter().map(String::as_str)
    }

    /// Whether the command line gave `--long`.
    pub fn is_given(&self, long: &str) -> bool {
        self.given().any(|flag| flag == long)
    }
}

impl<T: Args> Args for Given<T> {
    fn group_id() -> Option<Id> {
        T::group_id()
    }

    fn augment_args(cmd: Command) -> Command {
        T::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        T::augment_args_for_update(cmd)
    }
}

impl<T: Args + FromArgMatches> FromArgMatches for Given<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        // Read before `T` takes its values out of the matches.
        let given = T::augment_args(Command::new("given"))
            .get_arguments()
            .filter(|arg| {
                matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine)
            })
            .map(|arg| match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => arg.get_id().to_string(),
            })
            .collect();
        Ok(Self {
            args: T::from_arg_matches_mut(matches)?,
            given,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.args.update_from_arg_matches(matches)
    }
}
