// The one diesel schema for both backends. `tests/schema.rs` proves the
// migrations of each backend produce exactly these tables and columns.

diesel::table! {
    regions (id) {
        id -> Text,
        kind -> Text,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        address -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    posters (code) {
        code -> Text,
        building_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    category_items (id) {
        id -> Text,
        category_id -> Text,
        code -> Text,
        name -> Text,
        response_minutes -> Integer,
        resolve_hours -> Integer,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        wechat_openid -> Nullable<Text>,
        wechat_unionid -> Nullable<Text>,
        display_name -> Text,
        phone -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (id) {
        id -> Text,
        user_id -> Text,
        role -> Text,
        region_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(posters -> regions (building_id));
diesel::joinable!(category_items -> categories (category_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> regions (region_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    posters,
    categories,
    category_items,
    users,
    user_roles,
    refresh_tokens,
);
