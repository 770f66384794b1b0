"""Duty roster (应急值班) and pollution-weather warnings (重污染天气预警): the emergency emission-reduction
list and its spot checks."""
