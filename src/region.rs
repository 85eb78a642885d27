//! Genesys Cloud regions and their API and login hosts.

use std::fmt;
use std::str::FromStr;

use crate::error::{quoted, Error};

macro_rules! regions {
    ($($(#[$attr:meta])* $variant:ident => $name:literal, $domain:literal;)*) => {
        /// A Genesys Cloud region (an AWS region hosting Genesys Cloud orgs).
        ///
        /// Parse one from its AWS region name or its domain:
        ///
        /// ```
        /// use genesys_presence::Region;
        ///
        /// let by_name: Region = "eu-west-1".parse()?;
        /// let by_domain: Region = "mypurecloud.ie".parse()?;
        /// assert_eq!(by_name, by_domain);
        /// assert_eq!(by_name.api_url(), "https://api.mypurecloud.ie");
        /// assert_eq!(by_name.login_url(), "https://login.mypurecloud.ie");
        /// # Ok::<(), genesys_presence::Error>(())
        /// ```
        ///
        /// For a region this version does not list, use
        /// [`SessionBuilder::base_url`](crate::SessionBuilder::base_url).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Region {
            $(
                #[doc = concat!("`", $name, "`: `api.", $domain, "`")]
                $(#[$attr])*
                $variant,
            )*
        }

        impl Region {
            /// Every region, in the order of the Genesys documentation.
            pub const ALL: &'static [Region] = &[$(Region::$variant),*];

            /// The AWS region name, e.g. `us-east-1`.
            pub fn name(self) -> &'static str {
                match self { $(Region::$variant => $name,)* }
            }

            /// The region's domain, e.g. `mypurecloud.com`.
            pub fn domain(self) -> &'static str {
                match self { $(Region::$variant => $domain,)* }
            }

            /// The API base URL, e.g. `https://api.mypurecloud.com`.
            pub fn api_url(self) -> &'static str {
                match self { $(Region::$variant => concat!("https://api.", $domain),)* }
            }

            /// The login (OAuth) base URL, e.g. `https://login.mypurecloud.com`.
            pub fn login_url(self) -> &'static str {
                match self { $(Region::$variant => concat!("https://login.", $domain),)* }
            }
        }
    };
}

regions! {
    #[default]
    UsEast1 => "us-east-1", "mypurecloud.com";
    UsEast2 => "us-east-2", "use2.us-gov-pure.cloud";
    UsWest2 => "us-west-2", "usw2.pure.cloud";
    CaCentral1 => "ca-central-1", "cac1.pure.cloud";
    SaEast1 => "sa-east-1", "sae1.pure.cloud";
    MxCentral1 => "mx-central-1", "mxc1.pure.cloud";
    EuWest1 => "eu-west-1", "mypurecloud.ie";
    EuWest2 => "eu-west-2", "euw2.pure.cloud";
    EuCentral1 => "eu-central-1", "mypurecloud.de";
    EuCentral2 => "eu-central-2", "euc2.pure.cloud";
    EuscDeEast1 => "eusc-de-east-1", "edee1.eusc-pure.cloud";
    MeCentral1 => "me-central-1", "mec1.pure.cloud";
    ApSouth1 => "ap-south-1", "aps1.pure.cloud";
    ApNortheast1 => "ap-northeast-1", "mypurecloud.jp";
    ApNortheast2 => "ap-northeast-2", "apne2.pure.cloud";
    ApNortheast3 => "ap-northeast-3", "apne3.pure.cloud";
    ApSoutheast1 => "ap-southeast-1", "apse1.pure.cloud";
    ApSoutheast2 => "ap-southeast-2", "mypurecloud.com.au";
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Accepts a region name (`us-east-1`, any case, `_` for `-`), a domain
    /// (`mypurecloud.com`), or an API or login host or URL
    /// (`api.mypurecloud.com`, `https://login.mypurecloud.com/`).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let trimmed = value.trim();
        let lowered = trimmed.to_ascii_lowercase();
        let host = lowered
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let domain = host
            .strip_prefix("api.")
            .or_else(|| host.strip_prefix("login."))
            .unwrap_or(host);
        let name = host.replace('_', "-");
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.name() == name || r.domain() == domain)
            .ok_or_else(|| {
                let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
                Error::invalid(
                    "region",
                    format!(
                        "{} is neither a region name nor a region domain; valid names: {}",
                        quoted(trimmed),
                        names.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_parses_by_name_and_domain() {
        assert_eq!(Region::ALL.len(), 18);
        for &r in Region::ALL {
            assert_eq!(r.name().parse::<Region>().unwrap(), r);
            assert_eq!(r.domain().parse::<Region>().unwrap(), r);
            assert_eq!(r.api_url().parse::<Region>().unwrap(), r);
            assert_eq!(r.login_url().replace("api.", "login."), r.login_url());
            assert!(r.api_url().starts_with("https://api."));
        }
    }

    #[test]
    fn lenient_spellings() {
        assert_eq!("US_EAST_1".parse::<Region>().unwrap(), Region::UsEast1);
        assert_eq!(
            " api.mypurecloud.de/ ".parse::<Region>().unwrap(),
            Region::EuCentral1
        );
        assert_eq!(Region::default(), Region::UsEast1);
    }

    #[test]
    fn unknown_region_lists_the_valid_names() {
        let err = "mars-north-1".parse::<Region>().unwrap_err().to_string();
        assert!(err.contains("\"mars-north-1\""), "{err}");
        assert!(
            err.contains("us-east-1") && err.contains("ap-southeast-2"),
            "{err}"
        );
    }
}
