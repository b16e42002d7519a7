default_app_config = "marketplace.oscar_apps.partner.apps.PartnerConfig"
