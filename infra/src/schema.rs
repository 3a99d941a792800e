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
        urgent -> Bool,
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
        phone_verified_at -> Nullable<Timestamp>,
        must_change_password -> Bool,
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

diesel::table! {
    units (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        region_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_members (unit_id, user_id) {
        unit_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    order_counters (day) {
        day -> Text,
        last_seq -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        number -> Text,
        kind -> Text,
        status -> Text,
        category_id -> Text,
        category_item_id -> Text,
        description -> Text,
        photos -> Text,
        building_id -> Text,
        grid_id -> Text,
        community_id -> Text,
        street_id -> Text,
        path -> Text,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        address -> Nullable<Text>,
        contact_name -> Text,
        contact_phone -> Text,
        reporter_id -> Text,
        channel -> Text,
        level -> Text,
        assignee_type -> Nullable<Text>,
        assignee_id -> Nullable<Text>,
        handler_id -> Nullable<Text>,
        response_due_at -> Timestamp,
        resolve_due_at -> Timestamp,
        submitted_at -> Timestamp,
        dispatched_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        arrived_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        rated_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        rating_completion -> Nullable<Integer>,
        rating_progress -> Nullable<Integer>,
        rating_effect -> Nullable<Integer>,
        rating_satisfaction -> Nullable<Integer>,
        rating_comment -> Nullable<Text>,
        duplicate_of -> Nullable<Text>,
        response_overdue_at -> Nullable<Timestamp>,
        resolve_overdue_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
        priority -> Text,
        return_visit_satisfied -> Nullable<Bool>,
    }
}

diesel::table! {
    order_events (id) {
        id -> Text,
        order_id -> Text,
        seq -> Integer,
        #[sql_name = "type"]
        kind -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        data -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        order_id -> Nullable<Text>,
        event_id -> Nullable<Text>,
        recipient -> Text,
        template -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        outbox_id -> Text,
        order_id -> Nullable<Text>,
        template -> Text,
        payload -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        secret -> Text,
        templates -> Text,
        region_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (outbox_id, channel) {
        outbox_id -> Text,
        channel -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wechat_subscriptions (id) {
        id -> Text,
        user_id -> Text,
        template_id -> Text,
        accepted_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        used_for -> Nullable<Text>,
    }
}

diesel::table! {
    escalation_policies (region_id) {
        region_id -> Text,
        up_to -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    content_checks (id) {
        id -> Text,
        order_id -> Nullable<Text>,
        media_id -> Nullable<Text>,
        user_id -> Text,
        field -> Text,
        scene -> Integer,
        content -> Nullable<Text>,
        status -> Text,
        label -> Nullable<Integer>,
        trace_id -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contact_reveals (id) {
        id -> Text,
        order_id -> Text,
        user_id -> Text,
        role -> Text,
        reason -> Text,
        path -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        uploader_id -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        sha256 -> Text,
        order_id -> Nullable<Text>,
        created_at -> Timestamp,
        attached_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    wecom_robots (region_id) {
        region_id -> Text,
        robot_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    // The statistics rollup's counters: domain::stats::Tally, in its column order.
    order_stats (region_id, day, category_id) {
        region_id -> Text,
        day -> Text,
        category_id -> Text,
        orders -> BigInt, kind_issue -> BigInt, kind_wish -> BigInt, kind_errand -> BigInt,
        status_submitted -> BigInt, status_dispatched -> BigInt, status_accepted -> BigInt, status_on_site -> BigInt,
        status_resolved -> BigInt, status_rated -> BigInt, status_closed -> BigInt, status_cancelled -> BigInt,
        status_declined -> BigInt, overdue -> BigInt, response_due -> BigInt, response_on_time -> BigInt,
        resolve_due -> BigInt, resolve_on_time -> BigInt, rated -> BigInt, satisfied -> BigInt,
        judged -> BigInt, solved -> BigInt, sum_completion -> BigInt, sum_progress -> BigInt,
        sum_effect -> BigInt, sum_satisfaction -> BigInt, accept_count -> BigInt, accept_minutes -> BigInt,
        accept_bin0 -> BigInt, accept_bin1 -> BigInt, accept_bin2 -> BigInt, accept_bin3 -> BigInt,
        accept_bin4 -> BigInt, accept_bin5 -> BigInt, accept_bin6 -> BigInt, accept_bin7 -> BigInt,
        accept_bin8 -> BigInt, accept_bin9 -> BigInt, accept_bin10 -> BigInt, accept_bin11 -> BigInt,
        arrive_count -> BigInt, arrive_minutes -> BigInt, arrive_bin0 -> BigInt, arrive_bin1 -> BigInt,
        arrive_bin2 -> BigInt, arrive_bin3 -> BigInt, arrive_bin4 -> BigInt, arrive_bin5 -> BigInt,
        arrive_bin6 -> BigInt, arrive_bin7 -> BigInt, arrive_bin8 -> BigInt, arrive_bin9 -> BigInt,
        arrive_bin10 -> BigInt, arrive_bin11 -> BigInt, on_site_15 -> BigInt,
    }
}

diesel::joinable!(posters -> regions (building_id));
diesel::joinable!(category_items -> categories (category_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> regions (region_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(unit_members -> units (unit_id));
diesel::joinable!(order_events -> orders (order_id));
diesel::joinable!(notifications -> outbox (outbox_id));
diesel::joinable!(deliveries -> outbox (outbox_id));
diesel::joinable!(webhooks -> regions (region_id));
diesel::joinable!(wecom_robots -> regions (region_id));
diesel::joinable!(escalation_policies -> regions (region_id));

diesel::allow_tables_to_appear_in_same_query!(
    deliveries,
    regions,
    posters,
    categories,
    category_items,
    users,
    user_roles,
    refresh_tokens,
    units,
    unit_members,
    order_counters,
    orders,
    order_events,
    order_stats,
    outbox,
    notifications,
    webhooks,
    wecom_robots,
    wechat_subscriptions,
    idempotency_keys,
    media,
    contact_reveals,
    content_checks,
    escalation_policies,
);
