default_app_config = "marketplace.oscar_apps.catalogue.apps.CatalogueConfig"
