//! The fields of contact data, as enums: each names its model name (paths, the native
//! door) and its column, so that doors and the store walk one list instead of repeating it.

macro_rules! field_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $model:literal, $column:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The field's name in the model.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $model,)* }
            }

            /// The column the field is stored in.
            pub fn column(self) -> &'static str {
                match self { $($name::$variant => $column,)* }
            }
        }
    };
}

field_enum! {
    /// A customer's classification and free texts.
    DetailText {
        CustomerType => "type", "customer_type";
        Department => "department", "department";
        Level => "level", "level";
        Role => "role", "role";
        Industry => "industry", "industry";
        HowReferred => "howReferred", "how_referred";
        MarketSegment => "marketSegment", "market_segment";
        Entitlements => "entitlements", "entitlements";
    }
}

field_enum! {
    /// A contact person's text fields; classifier values among them.
    PersonText {
        Salutation => "salutation", "salutation";
        FirstName => "firstName", "first_name";
        MiddleName => "middleName", "middle_name";
        LastName => "lastName", "last_name";
        LoginId => "loginId", "login_id";
        Gender => "gender", "gender";
        IdentificationType => "identificationType", "identification_type";
        IdentificationValue => "identificationValue", "identification_value";
        Suffix => "suffix", "suffix";
        Initials => "initials", "initials";
        SecretQuestion => "secretQuestion", "secret_question";
        JobTitle => "jobTitle", "job_title";
        EmploymentStatus => "employmentStatus", "employment_status";
        Priority => "priority", "priority";
        DateOfBirth => "dateOfBirth", "date_of_birth";
        MaritalStatus => "maritalStatus", "marital_status";
        PersonType => "type", "person_type";
        FirstNameFurigana => "firstNameFurigana", "first_name_furigana";
        MiddleNameFurigana => "middleNameFurigana", "middle_name_furigana";
        LastNameFurigana => "lastNameFurigana", "last_name_furigana";
        StartGreeting => "startGreeting", "start_greeting";
        EndGreeting => "endGreeting", "end_greeting";
        SpouseName => "spouseName", "spouse_name";
        EmergencyContact => "emergencyContact", "emergency_contact";
        Occupation => "occupation", "occupation";
        IncomeLevel => "incomeLevel", "income_level";
        EducationLevel => "educationLevel", "education_level";
        Race => "race", "race";
        Dependents => "dependents", "dependents";
        Hobbies => "hobbies", "hobbies";
        Interests => "interests", "interests";
        ContactOrder => "contactOrder", "contact_order";
    }
}

field_enum! {
    /// A contact person's yes/no fields.
    PersonFlag {
        DirectMailingConsent => "hasDirectMailingConsent", "direct_mailing_consent";
        DirectCallingConsent => "hasDirectCallingConsent", "direct_calling_consent";
        HoldingDataConsent => "hasHoldingDataConsent", "holding_data_consent";
        Smoker => "isSmoker", "smoker";
    }
}

field_enum! {
    /// A contact point's fields, of every channel.
    PointText {
        PhoneType => "phoneType", "phone_type";
        PhoneNumber => "phoneNo", "phone_no";
        CountryCode => "countryCode", "country_code";
        AreaCode => "areaCode", "area_code";
        Extension => "extension", "extension";
        AvailableDays => "availableDays", "available_days";
        AvailableTimes => "availableTimes", "available_times";
        PostalType => "postalType", "postal_type";
        Address1 => "address1", "address_1";
        Address2 => "address2", "address_2";
        City => "city", "city";
        State => "state", "state";
        Zip => "zip", "zip";
        Country => "country", "country";
        Region => "region", "region";
        EmailAddress => "emailAddress", "email_address";
        Url => "url", "url";
        SocialType => "socialType", "social_type";
        SocialId => "socialId", "social_id";
    }
}

field_enum! {
    /// How a contact point reaches its person.
    Channel {
        Phone => "phone", "phone";
        Postal => "postal", "postal";
        Email => "email", "email";
        Web => "web", "web";
        Social => "social", "social";
    }
}

impl Channel {
    pub fn parse(value: &str) -> Option<Channel> {
        Channel::ALL.iter().copied().find(|c| c.name() == value)
    }

    /// The fields a point of this channel may have.
    pub fn fields(self) -> &'static [PointText] {
        use PointText::*;
        match self {
            Channel::Phone => &[
                PhoneType,
                PhoneNumber,
                CountryCode,
                AreaCode,
                Extension,
                AvailableDays,
                AvailableTimes,
            ],
            Channel::Postal => &[
                PostalType, Address1, Address2, City, State, Zip, Country, Region,
            ],
            Channel::Email => &[EmailAddress],
            Channel::Web => &[Url],
            Channel::Social => &[SocialType, SocialId],
        }
    }
}

/// A field of contact data, as a step of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactField {
    Detail(DetailText),
    Pin,
    /// A list of multi-valued attributes; its items are indexed.
    Attributes,
    AttributeName,
    AttributeValues,
    /// The list of contact persons; its items are indexed.
    Persons,
    Person(PersonText),
    Flag(PersonFlag),
    SecretAnswer,
    /// A person's list of contact points; its items are indexed.
    Points,
    Point(PointText),
    /// A point's channel (`phone`, `email`, …).
    Channel,
    PointPriority,
}

impl ContactField {
    pub fn name(self) -> &'static str {
        match self {
            ContactField::Detail(f) => f.name(),
            ContactField::Pin => "pin",
            ContactField::Attributes => "customAttributes",
            ContactField::AttributeName => "attribName",
            ContactField::AttributeValues => "attribValues",
            ContactField::Persons => "contactPersons",
            ContactField::Person(f) => f.name(),
            ContactField::Flag(f) => f.name(),
            ContactField::SecretAnswer => "secretAnswer",
            ContactField::Points => "contactPoints",
            ContactField::Point(f) => f.name(),
            ContactField::Channel => "type",
            ContactField::PointPriority => "priority",
        }
    }
}
